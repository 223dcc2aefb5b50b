# motcua image: Airflow 3 + dbt-duckdb + Great Expectations, installed from the project's own lock
# (requirements.lock — the same file `make demo` and `make test` install).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    AIRFLOW_HOME=/opt/airflow \
    MOTCUA_DATA_DIR=/data \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/motcua/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false

RUN apt-get update \
    && apt-get install -y --no-install-recommends curl tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 50000 --create-home --home-dir /home/airflow airflow \
    && mkdir -p /opt/airflow /data /opt/motcua \
    && chown airflow: /opt/airflow /data /opt/motcua

WORKDIR /opt/motcua
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir "uv==0.13.9" \
    && uv pip sync --system --no-cache requirements.lock
COPY motcua ./motcua
COPY ingestion ./ingestion
COPY expectations ./expectations
COPY dbt_project ./dbt_project
COPY dags ./dags
RUN uv pip install --system --no-cache --no-deps -e . \
    && chown -R airflow: /opt/motcua

USER airflow
ENTRYPOINT ["/usr/bin/tini", "--", "airflow"]
CMD ["version"]
