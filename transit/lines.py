"""How a line is shown: its name in words, in the network's colour, always readable."""


def _luminance(hex_colour):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(first, second):
    """WCAG contrast ratio of two "RRGGBB" colours."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def badge_colours(colour, text_colour=""):
    """(background, text) for a line's badge: the network's colours when their contrast
    passes WCAG AA (4.5:1), else black or white on the line's colour, whichever reads
    best; no colour given: the site's dark blue."""
    background = colour or "0A4D8C"
    if text_colour and contrast(background, text_colour) >= 4.5:
        return background, text_colour
    best = max(("000000", "FFFFFF"), key=lambda text: contrast(background, text))
    return background, best
