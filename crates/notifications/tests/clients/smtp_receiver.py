"""A real SMTP server (aiosmtpd) for the notifications SMTP fault test.

Usage: smtp_receiver.py PORT LOG_FILE. Listens on 127.0.0.1:PORT and appends one line per
message it accepts to LOG_FILE (the Message-ID header), flushed before the 250 reply, so the
test can count deliveries at the receiver. Prints "ready" once listening; stops on SIGTERM.
"""

import signal
import sys
import threading

from aiosmtpd.controller import Controller

port = int(sys.argv[1])
log = open(sys.argv[2], "a", buffering=1)


class Record:
    async def handle_DATA(self, server, session, envelope):
        message_id = ""
        for line in envelope.content.decode("utf-8", "replace").splitlines():
            if not line.strip():
                break
            if line.lower().startswith("message-id:"):
                message_id = line.split(":", 1)[1].strip().strip("<>")
        log.write(f"{message_id}\n")
        log.flush()
        return "250 Message accepted for delivery"


controller = Controller(Record(), hostname="127.0.0.1", port=port)
controller.start()
print("ready", flush=True)
stopped = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stopped.set())
stopped.wait()
controller.stop()
