import segno
from django.utils.html import escape
from django.utils.safestring import mark_safe


def qr_svg(url, title):
    """An inline SVG QR code (segno), an image named by `title` for screen readers.

    Sized by its viewBox, not in pixels: the stylesheet gives it its size on screen and
    in print (a fixed width and height would crop it when printed smaller).

    segno writes a <title> but no role: without role="img" some screen readers skip an
    inline SVG, or go into it and announce its drawing, instead of reading its name.
    """
    code = segno.make(url, error="m")
    svg = code.svg_inline(
        scale=3, border=2, title=title, svgclass="qr", lineclass=None, omitsize=True
    )
    named = f'class="qr" role="img" aria-label="{escape(title)}"'
    return mark_safe(svg.replace('class="qr"', named, 1))
