"""The baseline of bench/ivr_burst.py: a bare Flask app served like the real one (same
gunicorn settings), whose one webhook parses Twilio's form and answers a fixed TwiML. The
IVR's figures read as multiples of this one's, measured in the same run on the same
(shared) machine."""
from flask import Flask
from flask import Response
from flask import request

app = Flask(__name__)
TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/ivr/bare" '
         'numDigits="1" timeout="5"><Say>1</Say></Gather></Response>')


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.post("/ivr/voice")  # the call's first webhook (paths as the IVR's, for the bench)
@app.post("/ivr/bare")
def bare():
    request.form  # noqa: B018  (parsed, as every webhook's form is)
    return Response(TWIML, mimetype="text/xml")
