"""Imports every module that registers job handlers, so a worker knows them all."""
from ivr import recordings  # noqa: F401
from shared import sms  # noqa: F401
