"""LSOS as the cockpit sees it: a real Celery 5 app following the LSOS contract
(/work/shared/docs/lsos-contract.md), for the cockpit's integration tests.

Environment (so each test file can isolate itself):
  LSOS_BROKER_URL    redis://127.0.0.1:6379/<db> or amqp://guest:guest@127.0.0.1:5672//
                     (default redis://127.0.0.1:6379/0). On Redis, give each test file its own
                     db number: queues, the `unacked` hash and the events channel
                     `/<db>.celeryev/*` are then all private to it.
  LSOS_QUEUE_PREFIX  prefix of every queue name (default ''): 't1_' gives t1_crawl, t1_rank, ...,
                     t1_crawl.dead. Needed on RabbitMQ (one vhost), optional on Redis.
  LSOS_MAX_RETRIES   retries before a task is dead-lettered (default 2; countdown 0).
  LSOS_SENT_EVENT    '1' (default) sends task-sent events from producers (and from retries).
  LSOS_DLX           dead-letter exchange on RabbitMQ (default 'lsos.dlx').

Contract behaviour implemented here:
  * queues crawl, rank, reviews, reporting, reporting.retry, email, celery; tasks route by the
    first segment of their name, anything else to `celery`;
  * `before_task_publish` stamps header `lsos_sent_at` (float epoch seconds) on every publish,
    retries included (a retry is a new publish);
  * failure on demand: every task takes `fail='<ExceptionName>'` (TimeoutError, ValidationError,
    ProxyBlocked, ParserError, LsosMysteryError (unclassified), and a few more, see EXCEPTIONS),
    `fail_times=N` (fail only the first N attempts), `fail_mode='reject'` (raise
    Reject(exc, requeue=False) instead), `sleep=<seconds>`, `fail_unless='<key>'` (fail only
    while that key is absent from the broker's Redis: a bug until its fix is deployed);
  * retries: every failure except validation ones is retried (countdown 0) up to max_retries;
    then the task fails for good;
  * dead letters: on Redis the worker LPUSHes the original kombu envelope into `Q.dead`, headers
    extended with lsos_exc_type, lsos_exc_message, lsos_failed_at, lsos_dead_reason
    ('max_retries' after retries, 'rejected' otherwise); on RabbitMQ work queues carry
    x-dead-letter-exchange lsos.dlx / x-dead-letter-routing-key Q, lsos.dlx (direct, durable)
    routes to Q.dead, and tasks run with acks_late and acks_on_failure_or_timeout=False so a
    final failure is a basic.reject(requeue=False) (the task-failed event still carries the
    exception), as is a Reject(requeue=False).

Publishing helpers for tests: headers `lsos_nostamp=True` (publish without lsos_sent_at) and
`lsos_stamp_override=<float>` (a back-dated stamp) are consumed by the publish hook.
"""
import base64
import copy
import json
import logging
import os
import time

from celery import Celery, Task
from celery.exceptions import Ignore, Reject, Retry
from celery.signals import before_task_publish, worker_ready
from celery.worker.request import Request
from kombu import Exchange, Queue

log = logging.getLogger('lsos_app')

BROKER = os.environ.get('LSOS_BROKER_URL', 'redis://127.0.0.1:6379/0')
PREFIX = os.environ.get('LSOS_QUEUE_PREFIX', '')
MAX_RETRIES = int(os.environ.get('LSOS_MAX_RETRIES', '2'))
DLX = os.environ.get('LSOS_DLX', 'lsos.dlx')
IS_AMQP = BROKER.startswith(('amqp', 'pyamqp'))
IS_REDIS = BROKER.startswith('redis')

QUEUE_NAMES = ['crawl', 'rank', 'reviews', 'reporting', 'reporting.retry', 'email', 'celery']
ROUTED_PREFIXES = ['crawl', 'rank', 'reviews', 'reporting', 'email']


def qname(name):
    return PREFIX + name


def _work_queue(name):
    q = qname(name)
    args = None
    if IS_AMQP:
        args = {'x-dead-letter-exchange': DLX, 'x-dead-letter-routing-key': q}
    return Queue(q, Exchange(q, type='direct'), routing_key=q, queue_arguments=args)


def dead_letter_queues():
    """RabbitMQ: Q.dead bound to the DLX with routing key Q."""
    dlx = Exchange(DLX, type='direct', durable=True)
    return [Queue(qname(n) + '.dead', dlx, routing_key=qname(n), durable=True) for n in QUEUE_NAMES]


def route_task(name, args, kwargs, options, task=None, **kw):
    head = name.split('.', 1)[0]
    return {'queue': qname(head if head in ROUTED_PREFIXES else 'celery')}


app = Celery('lsos_app', broker=BROKER)
app.conf.update(
    task_queues=[_work_queue(n) for n in QUEUE_NAMES],
    task_routes=(route_task,),
    task_default_queue=qname('celery'),
    task_default_exchange=qname('celery'),
    task_default_routing_key=qname('celery'),
    task_serializer='json',
    accept_content=['json'],
    result_backend=None,
    task_ignore_result=True,
    worker_send_task_events=False,  # on with -E, as LSOS runs its workers
    task_send_sent_event=os.environ.get('LSOS_SENT_EVENT', '1') == '1',
    task_acks_late=True,
    task_acks_on_failure_or_timeout=False,
    enable_utc=True,
    timezone='UTC',
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=True,
)
if os.environ.get('LSOS_VISIBILITY_TIMEOUT'):
    app.conf.broker_transport_options = {'visibility_timeout': int(os.environ['LSOS_VISIBILITY_TIMEOUT'])}


# --- exceptions LSOS raises, by failure class (contract section 4) ---------------------------

class ValidationError(Exception):
    pass


class InvalidPayload(Exception):
    pass


class ProxyBlocked(Exception):
    pass


class CaptchaDetected(Exception):
    pass


class ProviderError(Exception):
    pass


class ParserError(Exception):
    pass


class LsosMysteryError(Exception):
    """Matches no rule: unclassified."""


EXCEPTIONS = {
    'TimeoutError': TimeoutError,
    'ConnectionError': ConnectionError,
    'ValueError': ValueError,
    'RuntimeError': RuntimeError,
    'ValidationError': ValidationError,
    'InvalidPayload': InvalidPayload,
    'ProxyBlocked': ProxyBlocked,
    'CaptchaDetected': CaptchaDetected,
    'ProviderError': ProviderError,
    'ParserError': ParserError,
    'LsosMysteryError': LsosMysteryError,
}

# Validation failures are rejected at once: retrying the same bad input cannot help.
NOT_RETRIED = (ValidationError, ValueError, InvalidPayload)


# --- publish hook ------------------------------------------------------------------------------

@before_task_publish.connect
def stamp_sent_at(sender=None, headers=None, **kwargs):
    """Contract section 2: every publish carries lsos_sent_at (retries get a fresh one)."""
    if headers is None:
        return
    override = headers.pop('lsos_stamp_override', None)
    if headers.pop('lsos_nostamp', None):
        headers.pop('lsos_sent_at', None)
        return
    headers['lsos_sent_at'] = float(override) if override is not None else time.time()


# --- dead letters on Redis ---------------------------------------------------------------------

_redis_client = None


def _redis():
    global _redis_client
    if _redis_client is None:
        import redis
        _redis_client = redis.Redis.from_url(BROKER)
    return _redis_client


def _unwrap(exc):
    # Prefork hands the parent billiard's ExceptionWithTraceback.
    return getattr(exc, 'exc', exc) if type(exc).__name__ == 'ExceptionWithTraceback' else exc


def _envelope(message):
    """The kombu envelope exactly as it sat in the list (kombu keeps it as message._raw)."""
    raw = getattr(message, '_raw', None)
    if isinstance(raw, dict):
        return copy.deepcopy(raw)
    props = dict(message.properties)
    body = message.body if isinstance(message.body, bytes) else str(message.body).encode('utf-8')
    props['body_encoding'] = 'base64'
    return {
        'body': base64.b64encode(body).decode('ascii'),
        'content-encoding': message.content_encoding,
        'content-type': message.content_type,
        'headers': dict(message.headers),
        'properties': props,
    }


class LsosRequest(Request):
    """Runs in the worker's main process, where the original message is at hand."""

    def on_failure(self, exc_info, send_failed_event=True, return_ok=False):
        try:
            exc = _unwrap(exc_info.exception)
            if IS_REDIS and not isinstance(exc, (Retry, Ignore)):
                self._dead_letter(exc)
        except Exception:  # never let dead-lettering break the worker
            log.exception('LSOS dead-lettering failed')
        return super().on_failure(exc_info, send_failed_event=send_failed_event, return_ok=return_ok)

    def _dead_letter(self, exc):
        if isinstance(exc, Reject):
            if exc.requeue:
                return
            cause = exc.reason if isinstance(exc.reason, BaseException) else exc
            reason = 'rejected'
        else:
            cause = exc
            retries = int(self._request_dict.get('retries') or 0)
            max_retries = self.task.max_retries
            exhausted = max_retries is not None and retries >= max_retries and not isinstance(exc, NOT_RETRIED)
            reason = 'max_retries' if exhausted else 'rejected'
        env = _envelope(self._message)
        headers = env.setdefault('headers', {})
        headers.update({
            'lsos_exc_type': type(cause).__name__,
            'lsos_exc_message': str(cause)[:1000],
            'lsos_failed_at': time.time(),
            'lsos_dead_reason': reason,
        })
        queue = (self.delivery_info or {}).get('routing_key') or qname('celery')
        _redis().lpush(queue + '.dead', json.dumps(env))


class LsosTask(Task):
    Request = LsosRequest
    max_retries = MAX_RETRIES
    acks_late = True
    acks_on_failure_or_timeout = False


def _behave(task, fail=None, fail_times=None, fail_mode='raise', sleep=0, message=None, fail_unless=None):
    """The failure-on-demand knobs every task shares."""
    if sleep:
        time.sleep(float(sleep))
    if not fail:
        return
    # A bug until its fix is deployed: fails only while this key is absent from the broker's Redis.
    if fail_unless and IS_REDIS and _redis().exists(fail_unless):
        return
    if fail_times is not None and task.request.retries >= int(fail_times):
        return
    cls = EXCEPTIONS.get(fail)
    exc = cls(message or f'{fail} on demand') if cls else RuntimeError(f'unknown failure {fail}')
    if fail_mode == 'reject':
        raise Reject(exc, requeue=False)
    if not isinstance(exc, NOT_RETRIED) and task.request.retries < task.max_retries:
        raise task.retry(exc=exc, countdown=0)
    raise exc


@app.task(name='crawl.fetch_page', base=LsosTask, bind=True)
def fetch_page(self, url=None, campaign_id=None, **opts):
    _behave(self, **opts)
    return {'url': url, 'campaign_id': campaign_id, 'status': 200}


@app.task(name='rank.check_serp', base=LsosTask, bind=True)
def check_serp(self, campaign_id, provider, keyword, **opts):
    _behave(self, **opts)
    return {'campaign_id': campaign_id, 'provider': provider, 'keyword': keyword, 'position': 7}


@app.task(name='reviews.sync_reviews', base=LsosTask, bind=True)
def sync_reviews(self, campaign_id, **opts):
    _behave(self, **opts)
    return {'campaign_id': campaign_id, 'reviews': 3}


@app.task(name='reporting.aggregate_kpis', base=LsosTask, bind=True)
def aggregate_kpis(self, campaign_id, month, **opts):
    _behave(self, **opts)
    return {'campaign_id': campaign_id, 'month': month, 'sessions': 123}


@app.task(name='reporting.render_html', base=LsosTask, bind=True)
def render_html(self, campaign_id, month, **opts):
    _behave(self, **opts)
    return {'campaign_id': campaign_id, 'month': month, 'html': True}


@app.task(name='reporting.render_pdf', base=LsosTask, bind=True)
def render_pdf(self, campaign_id, month, **opts):
    _behave(self, **opts)
    return {'campaign_id': campaign_id, 'month': month, 'pdf': True}


@app.task(name='email.deliver_report', base=LsosTask, bind=True)
def deliver_report(self, campaign_id, month, **opts):
    _behave(self, **opts)
    return {'campaign_id': campaign_id, 'month': month, 'sent': True}


@app.task(name='email.notify_owner', base=LsosTask, bind=True)
def notify_owner(self, campaign_id, month, missing_days, **opts):
    _behave(self, **opts)
    return {'campaign_id': campaign_id, 'month': month, 'missing_days': missing_days}


# --- RabbitMQ dead-letter topology ---------------------------------------------------------

def declare_dead_letter_topology():
    """Declares lsos.dlx and every Q.dead (idempotent). Work queues are declared by Celery itself."""
    if not IS_AMQP:
        return
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for q in dead_letter_queues():
            q(channel).declare()


@worker_ready.connect
def _on_worker_ready(sender=None, **kwargs):
    try:
        declare_dead_letter_topology()
    except Exception:
        log.exception('declaring the dead-letter topology failed')
