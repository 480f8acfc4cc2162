"""G.711 mu-law to 16-bit linear PCM, by a 256-entry table (Twilio's Media Streams and
recordings are 8 kHz mu-law; vosk wants 16-bit PCM). No `audioop`: it is gone in Python 3.13."""
import numpy as np

SAMPLE_RATE = 8000
FRAME_BYTES = 160  # 20 ms of 8 kHz mu-law, what Twilio sends in one media message


def _decode(byte: int) -> int:
    """ITU-T G.711 mu-law expansion of one byte (bits inverted on the wire)."""
    byte = ~byte & 0xFF
    sign, exponent, mantissa = byte & 0x80, (byte >> 4) & 0x07, byte & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return -magnitude if sign else magnitude


TABLE = np.array([_decode(byte) for byte in range(256)], dtype="<i2")


def to_pcm16(mulaw: bytes) -> bytes:
    """16-bit little-endian PCM for `mulaw` bytes (two output bytes per input byte)."""
    return TABLE[np.frombuffer(mulaw, dtype=np.uint8)].tobytes()


def from_pcm16(pcm: bytes) -> bytes:
    """Mu-law bytes for 16-bit little-endian PCM (tests and tools make Twilio-like audio);
    G.711's 14-bit encoder, the same bytes as the old `audioop.lin2ulaw`."""
    value = np.frombuffer(pcm, dtype="<i2").astype(np.int32) >> 2
    mask = np.where(value < 0, 0x7F, 0xFF)
    value = np.minimum(np.abs(value), 8159) + 0x21
    segment = np.searchsorted(_SEGMENT_ENDS, value)
    encoded = np.where(segment < 8, (segment << 4) | ((value >> (segment + 1)) & 0x0F), 0x7F)
    return (encoded ^ mask).astype(np.uint8).tobytes()


_SEGMENT_ENDS = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])
