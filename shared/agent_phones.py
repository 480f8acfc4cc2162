"""The Twilio Client identity of a console agent's softphone: what a claimed call dials
(ivr/views.py) and what `flask users create` prints, for provisioning the softphone."""


def agent_client(agent_id: int) -> str:
    return f"agent-{agent_id}"


def agent_address(agent_id: int) -> str:
    """The softphone as a call's To: what a call-back rings and then checks it rang."""
    return "client:" + agent_client(agent_id)
