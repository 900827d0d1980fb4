FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOTLINE_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY hotline hotline
COPY intake intake
COPY channels channels
COPY voice voice
COPY notify notify
COPY api api
COPY migrations migrations
RUN pip install --no-cache-dir . tzdata && useradd --system --home /data hotline \
    && mkdir -p /data && chown hotline /data
USER hotline
EXPOSE 8000
CMD ["hotline", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
