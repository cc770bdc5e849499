"""The tests' reading of the worked example's published figures: a printed number agrees to the digits shown."""


def agrees_with_published(printed, number):
    """Whether `number` matches the figure `printed` (a string) to the digits shown, within one unit of the last."""
    digits = printed.split(".")[1] if "." in printed else ""
    return abs(number - float(printed)) <= 10.0 ** -len(digits) * (1.0 + 1e-9)
