# The service, for partnerships running it on their own servers (see docker-compose.yml).
FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY projections ./projections
COPY api ./api
COPY benchmarks ./benchmarks
RUN pip install --no-cache-dir .
RUN useradd --create-home community-trigger
USER community-trigger
EXPOSE 8000
CMD ["community-trigger", "serve", "--host", "0.0.0.0", "--port", "8000"]
