"""ASGI entry point: Django for HTTP behind a request-body cap, and same-origin-checked,
authenticated routing for websockets."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consensus_site.settings")
# Build Django first: importing consumers needs the app registry.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from cases.routing import websocket_urlpatterns  # noqa: E402
from consensus_site.body_limit import BodySizeLimit, install_daphne_guard  # noqa: E402
from consensus_site.ws_origin import SameOriginValidator  # noqa: E402
from panels.providers import builtin  # noqa: E402

# Daphne spools and queues a whole body before the application runs: refuse it earlier.
install_daphne_guard(settings.REQUEST_BODY_MAX_BYTES)


def _warm_offline_panel() -> None:
    """Load (or train) the offline members before the first case needs them. Loading from
    the model cache takes a few seconds, so the server waits for it (up to
    OFFLINE_WARM_WAIT_S) and the first case after a start is as fast as the others; training
    on a cold cache takes longer and goes on in the background while daphne serves. A
    missing knowledge base only delays the error."""
    import logging
    import threading

    def run() -> None:
        try:
            logging.getLogger(__name__).info("offline panel warm in %.1f s", builtin.warm())
        except Exception:  # the first deliberation reports the same problem to its user
            logging.getLogger(__name__).exception("warming the offline panel failed")

    if settings.DELIBERATION_RUNNER == "inprocess":
        warming = threading.Thread(target=run, name="warm-offline-panel", daemon=True)
        warming.start()
        warming.join(timeout=settings.OFFLINE_WARM_WAIT_S)


_warm_offline_panel()

application = ProtocolTypeRouter(
    {
        "http": BodySizeLimit(django_asgi_app),
        "websocket": SameOriginValidator(
            # django-stubs types path() for HTTP views; channels routes ASGI apps with it.
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))  # type: ignore[arg-type]
        ),
    }
)
