"""The case store and everything the IVR and the console share: app factory, models, services."""
