"""Run the same request several times at the same moment, as a double click
or a script would, to show that counters and single-use codes hold."""
import threading

from domain.db import database


def same_session_in_parallel(app, client, count, request):
    """`request(c)` from `count` clients sharing `client`'s session cookie and
    address, released at the same moment; their responses."""
    barrier = threading.Barrier(count)
    responses, failures = [], []
    clients = []
    for _ in range(count):
        twin = app.test_client()
        twin.environ_base.update(client.environ_base)
        twin.set_cookie("keyfob", client.get_cookie("keyfob").value)
        clients.append(twin)

    def run(twin):
        try:
            barrier.wait(timeout=30)
            responses.append(request(twin))
        except Exception as error:      # shown by the assertion below
            failures.append(error)
        finally:
            database.close()

    threads = [threading.Thread(target=run, args=(twin,)) for twin in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    return responses
