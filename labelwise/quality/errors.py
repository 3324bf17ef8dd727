"""The one error type the quality modules raise for input they cannot score."""


class QualityInputError(ValueError):
    """Input that has no defined answer (too few annotators, no items, a label out of range).

    The message says what is wrong in words a project manager can act on; the API turns it
    into a 422.
    """
