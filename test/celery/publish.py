"""Publishes LSOS tasks through real Celery (send_task), for the cockpit's tests.

Reads a JSON spec on stdin and prints one JSON line with what it published:
  {"tasks": [{"name": "rank.check_serp",
              "kwargs": {"campaign_id": 1, "provider": "brightpool", "keyword": "x"},
              "args": [],
              "count": 3,               # how many copies (default 1)
              "queue": "reporting.retry",  # logical queue (the prefix is added); default: routed
              "countdown": 5, "eta_in": 5,  # seconds (ETA)
              "priority": 0,
              "nostamp": false,         # publish without lsos_sent_at
              "stamp_at": 1700000000.0  # back-dated lsos_sent_at
             }]}
Output: {"published": [{"id": ..., "name": ..., "queue": ...}, ...]}
The broker and prefix come from the same environment as lsos_app (LSOS_BROKER_URL, LSOS_QUEUE_PREFIX).
"""
import datetime
import json
import sys

from lsos_app import app, declare_dead_letter_topology, qname, route_task


def main():
    spec = json.load(sys.stdin)
    declare_dead_letter_topology()
    out = []
    with app.producer_or_acquire() as producer:
        for t in spec.get('tasks', []):
            name = t['name']
            queue = qname(t['queue']) if t.get('queue') else route_task(name, None, None, None)['queue']
            headers = {}
            if t.get('nostamp'):
                headers['lsos_nostamp'] = True
            if t.get('stamp_at') is not None:
                headers['lsos_stamp_override'] = float(t['stamp_at'])
            options = {'queue': queue, 'producer': producer}
            if headers:
                options['headers'] = headers
            if t.get('countdown') is not None:
                options['countdown'] = float(t['countdown'])
            if t.get('eta_in') is not None:
                options['eta'] = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=float(t['eta_in']))
            if t.get('priority') is not None:
                options['priority'] = int(t['priority'])
            for _ in range(int(t.get('count', 1))):
                res = app.send_task(name, args=t.get('args') or [], kwargs=t.get('kwargs') or {}, **options)
                out.append({'id': res.id, 'name': name, 'queue': queue})
    print(json.dumps({'published': out}))


if __name__ == '__main__':
    main()
