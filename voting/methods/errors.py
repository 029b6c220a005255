"""The one exception raised by the decision-method library."""


class MethodError(ValueError):
    """A request the library cannot count: unknown method or setting, a setting out of its bounds,
    a ballot naming an unknown candidate or breaking its scale, malformed input.

    Ballots that a method's own rules declare invalid (for example a tied top group under
    plurality) are not errors: they are counted as invalid, with the reason, in the result.
    """
