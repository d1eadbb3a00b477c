"""The planning desk: a browser app over the library (``reopen-sim serve``).

``create_app(settings)`` (in :mod:`.app`) builds the ASGI app: the JSON API under ``/api``
(:mod:`.api`), the pages (:mod:`.pages`), the store (:mod:`.store`, SQLAlchemy with Alembic
migrations) and the jobs (:mod:`.jobs`, one worker process per plan or simulation). The desk adds
storage, jobs and pages; every rule, plan and check comes from the library's own functions.
"""
