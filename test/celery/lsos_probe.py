"""Test probe for the cockpit's wire-layer tests: records every task the worker executes.

Load it next to the LSOS app:  celery -A lsos_app worker --include lsos_probe ...
With LSOS_PROBE_FILE set, each task run appends one JSON line (from the pool process that runs
it, just before the task body):
  {"id", "task", "root_id", "parent_id", "retries", "queue", "hostname", "pid",
   "headers": {every lsos_* header of the message}}
Without LSOS_PROBE_FILE it does nothing. lsos_app.py is not changed.
"""
import json
import os

from celery.signals import task_prerun

PROBE_FILE = os.environ.get('LSOS_PROBE_FILE')


@task_prerun.connect
def record_request(sender=None, task_id=None, task=None, args=None, kwargs=None, **extra):
    if not PROBE_FILE or task is None:
        return
    req = task.request
    fields = vars(req) if hasattr(req, '__dict__') else {}
    delivery = getattr(req, 'delivery_info', None) or {}
    rec = {
        'id': task_id,
        'task': getattr(task, 'name', None),
        'root_id': getattr(req, 'root_id', None),
        'parent_id': getattr(req, 'parent_id', None),
        'retries': getattr(req, 'retries', None),
        'queue': delivery.get('routing_key'),
        'hostname': getattr(req, 'hostname', None),
        'pid': os.getpid(),
        'kwargs': kwargs,
        'headers': {k: v for k, v in fields.items() if k.startswith('lsos_')},
    }
    line = json.dumps(rec, default=repr) + '\n'
    # One small O_APPEND write per record: lines from several pool processes never interleave.
    fd = os.open(PROBE_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode('utf-8'))
    finally:
        os.close(fd)


# --- a task that fails until a fix is "deployed" -------------------------------------------------
# crawl.probe_flaky raises TimeoutError (retried like any LSOS transient failure, then dead-lettered
# with lsos_dead_reason=max_retries; its last retry carries parent_id = its own id) as long as the
# file LSOS_PROBE_FIX_FILE does not exist; once it exists, the task succeeds. So a test can make a
# real dead letter, "deploy the fix", replay it and see it run to success.
from lsos_app import LsosTask, app  # noqa: E402

FIX_FILE = os.environ.get('LSOS_PROBE_FIX_FILE')


@app.task(name='crawl.probe_flaky', base=LsosTask, bind=True)
def probe_flaky(self, campaign_id=None, **opts):
    if FIX_FILE and os.path.exists(FIX_FILE):
        return {'campaign_id': campaign_id, 'fixed': True}
    exc = TimeoutError('probe: provider timed out (no fix deployed yet)')
    if self.request.retries < self.max_retries:
        raise self.retry(exc=exc, countdown=0)
    raise exc
