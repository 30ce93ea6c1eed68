"""What a text message may hold: one GSM-7 segment (GSM 03.38, 160
septets; a character of the extension table such as € counts twice). A
character outside the alphabet (ê, ç, a no-break space) makes a phone send
the whole message as UCS-2, 70 characters a segment, so a French code would
cost three messages. The codec is the gsm0338 package's."""
import gsm0338  # noqa: F401  registers the "gsm03.38" codec

SEGMENT_SEPTETS = 160
# Typography the pages use that GSM-7 lacks: a no-break space before French
# punctuation is a plain space in a text message.
PLAIN_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})


def for_gsm(text):
    return text.translate(PLAIN_SPACES)


def septets(text):
    """How many septets `text` takes in GSM-7, or None when it cannot be sent in it."""
    try:
        return len(text.encode("gsm03.38"))
    except UnicodeEncodeError:
        return None


def fits_one_segment(text):
    count = septets(text)
    return count is not None and count <= SEGMENT_SEPTETS
