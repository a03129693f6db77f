"""The embedded broker: kombu's filesystem transport, with messages that appear whole.

kombu's filesystem channel creates a message file in the queue folder and only then writes
it, while a worker polling that folder moves and reads any file it sees. A poll that lands
between the two reads an empty file, and the worker stops on the JSON error ("Unrecoverable
error"). Here a message is written in a staging folder on the same disk and renamed into
the queue, which a reader sees either not at all or whole; and an exchange table read while
another process creates it is read again (`Channel.get_table`).
"""

import os
import time
import uuid
from pathlib import Path

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    @property
    def staging_folder(self) -> Path:
        """`staging_folder` from the transport options, else `staging` beside the queue folder.

        It must be on the queue folder's disk, or the rename fails.
        """
        folder = self.transport_options.get("staging_folder") or Path(self.data_folder_out).parent / "staging"
        return Path(folder)

    def _put(self, queue, payload, **kwargs):
        # The name the filesystem channel reads: "<ms>_<unique>.<queue>.msg", oldest first.
        name = f"{time.monotonic_ns() // 1_000_000}_{uuid.uuid4()}.{queue}.msg"
        staged = self.staging_folder / name
        try:
            staged.parent.mkdir(parents=True, exist_ok=True)
            staged.write_bytes(str_to_bytes(dumps(payload)))
            os.replace(staged, Path(self.data_folder_out) / name)
        except OSError as exc:
            staged.unlink(missing_ok=True)
            raise filesystem.ChannelError(f"Cannot add message {name!r} to the queue folder") from exc

    def get_table(self, exchange):
        # kombu's filesystem channel creates a new exchange file before it locks and writes it
        # (a worker binding its queues as it starts): a publisher reading it in between finds it
        # empty and fails on the JSON. An empty table is one being written: read it again.
        for _ in range(TABLE_READ_TRIES - 1):
            try:
                return super().get_table(exchange)
            except ValueError:  # json's decode error
                time.sleep(TABLE_READ_PAUSE_SECONDS)
        return super().get_table(exchange)


TABLE_READ_TRIES = 100
TABLE_READ_PAUSE_SECONDS = 0.01


class Transport(filesystem.Transport):
    Channel = Channel
