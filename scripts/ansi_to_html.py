#!/usr/bin/env python3
"""Turns terminal text with ANSI SGR colour codes (tmux capture-pane -p -e) into a standalone HTML page.

    python3 scripts/ansi_to_html.py pane.ansi > pane.html [--title TITLE]

Handles what terminals print for colour and weight: reset, bold, dim, italic, underline, inverse,
the 16 standard colours, 256-colour (38;5;n) and true colour (38;2;r;g;b), foreground and background.
Other escape sequences are dropped.
"""
import html
import re
import sys

# xterm's default palette for the 16 standard colours.
PALETTE = [
    "#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
    "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
]
FOREGROUND = "#d8dee9"
BACKGROUND = "#1e2229"
ESCAPE = re.compile(r"\x1b\[([0-9;:]*)([A-Za-z])|\x1b[()][A-Za-z0-9]|\x1b[=>]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def colour_256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    grey = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (grey, grey, grey)


class Style:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None
        self.bg = None
        self.bold = self.dim = self.italic = self.underline = self.inverse = False

    def apply(self, params):
        codes = [int(p) if p else 0 for p in re.split("[;:]", params)] if params else [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 3:
                self.italic = True
            elif c == 4:
                self.underline = True
            elif c == 7:
                self.inverse = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 23:
                self.italic = False
            elif c == 24:
                self.underline = False
            elif c == 27:
                self.inverse = False
            elif 30 <= c <= 37:
                self.fg = PALETTE[c - 30]
            elif 90 <= c <= 97:
                self.fg = PALETTE[c - 90 + 8]
            elif c == 39:
                self.fg = None
            elif 40 <= c <= 47:
                self.bg = PALETTE[c - 40]
            elif 100 <= c <= 107:
                self.bg = PALETTE[c - 100 + 8]
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 1 < len(codes):
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    value = colour_256(codes[i + 2])
                    i += 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    value = "#%02x%02x%02x" % tuple(codes[i + 2:i + 5])
                    i += 4
                else:
                    value = None
                if c == 38:
                    self.fg = value
                else:
                    self.bg = value
            i += 1

    def css(self):
        fg, bg = self.fg, self.bg
        if self.inverse:
            fg, bg = bg or BACKGROUND, fg or FOREGROUND
        rules = []
        if fg:
            rules.append("color:" + fg)
        if bg:
            rules.append("background:" + bg)
        if self.bold:
            rules.append("font-weight:bold")
        if self.dim:
            rules.append("opacity:.7")
        if self.italic:
            rules.append("font-style:italic")
        if self.underline:
            rules.append("text-decoration:underline")
        return ";".join(rules)


def convert(text):
    style = Style()
    out = []
    position = 0
    open_span = False

    def emit(chunk):
        nonlocal open_span
        if not chunk:
            return
        css = style.css()
        if css:
            out.append('<span style="%s">%s</span>' % (css, html.escape(chunk)))
        else:
            out.append(html.escape(chunk))

    for match in ESCAPE.finditer(text):
        emit(text[position:match.start()])
        position = match.end()
        if match.group(2) == "m":
            style.apply(match.group(1))
    emit(text[position:])
    return "".join(out)


def main():
    args = sys.argv[1:]
    title = "terminal"
    if "--title" in args:
        index = args.index("--title")
        title = args[index + 1]
        del args[index:index + 2]
    with open(args[0], encoding="utf-8", errors="replace") as source:
        text = source.read().rstrip("\n")
    body = convert(text)
    sys.stdout.write(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>%s</title><style>"
        "html,body{margin:0;background:%s}"
        "pre{margin:0;padding:18px 22px;color:%s;font:15px/1.35 'DejaVu Sans Mono',monospace;white-space:pre}"
        "</style></head><body><pre>%s</pre></body></html>\n" % (html.escape(title), BACKGROUND, FOREGROUND, body))


if __name__ == "__main__":
    main()
