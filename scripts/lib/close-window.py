#!/usr/bin/env python3
"""Close an X window politely, as a window manager would: send it WM_PROTOCOLS / WM_DELETE_WINDOW.

    close-window.py PID [NAME]

Closes the largest mapped top-level window of process PID (or named NAME). Xvfb has no window manager, so
nothing else sends this message; `xdotool windowclose` destroys the window instead, which is not what a
person closing it does. Needs python-xlib (scripts/measure installs it).
"""
import sys

from Xlib import X, display, protocol


def windows(d, window):
    try:
        children = window.query_tree().children
    except Exception:
        return
    for child in children:
        yield child
        yield from windows(d, child)


def main():
    pid = int(sys.argv[1])
    name = sys.argv[2] if len(sys.argv) > 2 else None
    d = display.Display()
    root = d.screen().root
    pid_atom = d.intern_atom("_NET_WM_PID")
    best = None
    for w in windows(d, root):
        try:
            attrs = w.get_attributes()
            if attrs.map_state != X.IsViewable:
                continue
            prop = w.get_full_property(pid_atom, X.AnyPropertyType)
            if prop is None or prop.value[0] != pid:
                continue
            if name and w.get_wm_name() != name:
                continue
            geo = w.get_geometry()
            area = geo.width * geo.height
            if best is None or area > best[0]:
                best = (area, w)
        except Exception:
            continue
    if best is None:
        print(f"no mapped window of pid {pid}", file=sys.stderr)
        return 1
    window = best[1]
    protocols = d.intern_atom("WM_PROTOCOLS")
    delete = d.intern_atom("WM_DELETE_WINDOW")
    event = protocol.event.ClientMessage(window=window, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0]))
    window.send_event(event)
    d.flush()
    print(f"sent WM_DELETE_WINDOW to window {window.id:#x}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
