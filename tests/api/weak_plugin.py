"""An administrator-installed module of Python labeling functions, for tests/api/test_weak_python.py."""

from labelwise.core.weak.plugin_functions import labeling_function


@labeling_function
def mentions_song(data):
    """Votes ham when the text mentions a song."""
    return "ham" if "song" in data.get("text", "") else None


@labeling_function(name="links")
def has_link(data):
    return "spam" if "http" in data.get("text", "") else None


@labeling_function
def breaks(data):
    raise ValueError("no good")


@labeling_function
def off_schema(data):
    return "eggs"


def not_marked(data):
    return "spam"
