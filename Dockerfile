# The service, for partnerships running it on their own servers (see docker-compose.yml).
FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml README.md ./
# Every layer of README "How it is built" (the migrations ship inside store/).
COPY domain ./domain
COPY store ./store
COPY projections ./projections
COPY service ./service
COPY api ./api
COPY cli ./cli
COPY demo ./demo
COPY benchmarks ./benchmarks
COPY procedures ./procedures
RUN pip install --no-cache-dir .
RUN useradd --create-home community-trigger
USER community-trigger
EXPOSE 8000
CMD ["community-trigger", "serve", "--host", "0.0.0.0", "--port", "8000"]
