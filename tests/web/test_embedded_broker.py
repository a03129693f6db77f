"""The embedded (filesystem) broker never hands a worker a half-written message."""

import threading

from kombu import Connection

from beautysite.broker import Transport


def test_a_reader_polling_the_queue_folder_only_ever_sees_whole_messages(tmp_path):
    folders = {name: tmp_path / name for name in ("queue", "staging", "processed", "control")}
    for folder in folders.values():
        folder.mkdir()
    options = {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "staging_folder": str(folders["staging"]),
        "processed_folder": str(folders["processed"]),
        "control_folder": str(folders["control"]),
    }
    body = "x" * 4_000_000  # large enough that writing it takes many polls of the reader
    sent = 20
    received, errors = [], []
    done_sending = threading.Event()

    def read_until_all_arrived():
        with Connection("filesystem://", transport=Transport, transport_options=options) as conn:
            queue = conn.SimpleQueue("jobs")
            while len(received) < sent:
                try:
                    received.append(queue.get(timeout=0.01).payload)
                except queue.Empty:
                    if done_sending.is_set() and not any(folders["queue"].iterdir()):
                        break
                except Exception as exc:  # the JSON error a torn message raises
                    errors.append(exc)
                    break

    reader = threading.Thread(target=read_until_all_arrived)
    reader.start()
    with Connection("filesystem://", transport=Transport, transport_options=options) as conn:
        queue = conn.SimpleQueue("jobs")
        for number in range(sent):
            queue.put({"number": number, "body": body})
    done_sending.set()
    reader.join(timeout=120)
    assert not errors
    assert [message["number"] for message in received] == list(range(sent))
    assert all(message["body"] == body for message in received)
    assert not any(folders["staging"].iterdir())  # nothing left behind half-way
