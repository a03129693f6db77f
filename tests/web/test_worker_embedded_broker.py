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


def test_an_exchange_table_read_while_another_process_creates_it_is_read_again(tmp_path):
    # kombu creates the table's file before writing it: a publisher can find it empty.
    options = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path), "control_folder": str(tmp_path)}
    table = tmp_path / "jobs.exchange"
    table.write_text("")
    finish_writing = threading.Timer(0.1, lambda: table.write_text('[["jobs", "", "jobs"]]'))
    finish_writing.start()
    with Connection("filesystem://", transport=Transport, transport_options=options) as conn:
        routes = conn.default_channel.get_table("jobs")
    finish_writing.join()
    assert [(route.routing_key, route.queue) for route in routes] == [("jobs", "jobs")]
