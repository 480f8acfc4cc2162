"""The supervisors' figures: the call centre's (calls.py) and the cases' as the portal
publishes them (cases.py), over a range of local dates (periods.py)."""
