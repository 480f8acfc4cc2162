"""Offline speech recognition with vosk: one model per language (`models`), recognisers
behind one small interface with a deterministic fake (`recognizer`), and the mu-law decoding
of Twilio's audio (`mulaw`). Nothing here downloads a model or knows about Flask."""
