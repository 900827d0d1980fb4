FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOTLINE_DATA_DIR=/data
WORKDIR /app
# Voice: ffmpeg decodes WeChat AMR, app mp3/m4a/aac and phone WAV; espeak-ng speaks the survey
# prompts (voice/tts.py). Both are what the tests use (.ci/apt-packages.txt).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg espeak-ng \
    && rm -rf /var/lib/apt/lists/*
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
