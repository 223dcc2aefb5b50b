"""Airflow's SimpleAuthManager that refuses to start with a default or empty admin password.

docker-compose.yml sets ``AIRFLOW__CORE__AUTH_MANAGER`` to :class:`MotcuaSimpleAuthManager`. The
api-server initialises its auth manager before it serves anything, so an api-server whose
passwords file (or settings) :func:`motcua.ops.admin.check_environment` refuses stops at start
with the reason, instead of serving a login that anyone can guess. Everything else is Airflow's
SimpleAuthManager unchanged.
"""

from __future__ import annotations

from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager
from airflow.configuration import conf
from airflow.exceptions import AirflowConfigException

from motcua.common.errors import PipelineError
from motcua.ops.admin import check_passwords, users_from_setting


class MotcuaSimpleAuthManager(SimpleAuthManager):
    def init(self) -> None:
        try:
            check_passwords(
                users_from_setting(conf.get("core", "simple_auth_manager_users", fallback="")),
                conf.get("core", "simple_auth_manager_passwords_file", fallback=None),
                all_admins=conf.getboolean(
                    "core", "simple_auth_manager_all_admins", fallback=False
                ),
            )
        except PipelineError as exc:
            raise AirflowConfigException(f"motcua: {exc}") from None
        super().init()
