FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY portal portal
COPY templates templates
COPY static static
COPY migrations migrations
COPY docs/plugin-manifest.schema.json docs/
COPY wsgi.py gunicorn.conf.py ./
RUN useradd --system --home /app portal && mkdir -p /app/instance && chown portal /app/instance
USER portal
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
