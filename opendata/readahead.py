"""Reading a file ahead, in a second process, while the importer writes.

Reading is a third of a large import's work — the JSON parse, the official
schema's validation of every record, the opening hours — and writing the rest.
On a machine with two cores they can run side by side: a forked process reads
the files and completes each record (`Record.complete()`), and hands them over
in batches through a pipe; the importer receives the very records it would
have read itself, already completed, and writes them.

The forked process only reads: it never touches the database (the connection
it inherits is left alone, and it ends with os._exit, which closes nothing).
A file error it meets (truncated JSON, bad encoding) is raised in the importer
at the same point as without it, inside the import's transaction: nothing is
written. If the importer stops early (--strict, a crash), the reader is killed.
A record the reader left incomplete (one `skip` said was unchanged) is
completed by the importer if it turns out to need it: the reader only saves
time, it decides nothing.
"""

import multiprocessing
import pickle
import queue
import threading
import traceback
from multiprocessing.reduction import ForkingPickler

from django.utils.translation import gettext as _

from .records import ImportFileError, Skipped

BATCH = 500
# Batches the reader may hold ready, pickled, beyond what the pipe holds (~1 MB each):
# on a shared machine the reader banks work while it has a core, instead of stalling
# the importer each time it waits for one.
AHEAD = 16
# Below this size, starting a process costs more than it saves.
MIN_BYTES = 2 << 20


def available():
    return "fork" in multiprocessing.get_all_start_methods()


class ReadAhead:
    """The records (and service records) of an import, read in a forked process."""

    def __init__(self, records, services=None, *, skip=None, skip_services=None, prepare=None):
        self._receive, send = multiprocessing.Pipe(duplex=False)
        self._process = multiprocessing.get_context("fork").Process(
            target=_read,
            args=(send, records, services, skip, skip_services, prepare),
            daemon=True,
        )
        self._process.start()
        send.close()
        self._has_services = services is not None
        self._finished = False

    @property
    def records(self):
        return self._stream()

    @property
    def services(self):
        return self._stream() if self._has_services else None

    def _stream(self):
        while not self._finished:
            try:
                kind, payload = self._receive.recv()
            except EOFError:
                self._finished = True
                raise ImportFileError(_("la lecture du fichier s'est interrompue.")) from None
            if kind == "items":
                yield from payload
            elif kind == "end":
                return
            else:
                self._finished = True
                raise payload

    def close(self):
        self._finished = True
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._receive.close()


def _read(send, records, services, skip, skip_services, prepare):
    """In the forked process: every item of both iterables, completed, in batches
    (but those `skip` and `skip_services` say are unchanged), handed to a thread that
    writes them to the pipe while the next ones are read. `prepare` is then called on
    each completed record of the first (Importer.prepare)."""
    outbox = queue.Queue(maxsize=AHEAD)
    sender = threading.Thread(target=_send, args=(send, outbox), daemon=True)
    sender.start()

    def post(kind, payload):
        outbox.put(bytes(ForkingPickler.dumps((kind, payload))))

    try:
        for items, skipped, then in ((records, skip, prepare), (services, skip_services, None)):
            batch = []
            for item in items or ():
                if isinstance(item, Skipped) or (skipped and skipped(item)):
                    pass
                else:
                    item.complete()
                    if then is not None and not item.errors:
                        then(item)
                batch.append(item)
                if len(batch) >= BATCH:
                    post("items", batch)
                    batch = []
            if batch:
                post("items", batch)
            post("end", None)
    except BaseException as error:  # noqa: BLE001 (handed to the importer, which raises it)
        post("error", _portable(error))
    finally:
        outbox.put(None)
        sender.join()
        send.close()


def _send(send, outbox):
    """Pickled batches to the pipe, in order; stops at None (or when the importer is gone)."""
    while (data := outbox.get()) is not None:
        try:
            send.send_bytes(data)
        except OSError:  # the importer closed its end: nothing more to say
            while outbox.get() is not None:
                pass
            return


def _portable(error):
    """The error itself if it crosses the pipe, else a RuntimeError with its traceback."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001
        return RuntimeError("".join(traceback.format_exception(error)))
    return error
