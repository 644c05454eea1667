-- Subscriptions of partner tools and the outbox their deliveries come from: store/webhooks.py.
-- depends: 0005_potential_triggers
--
-- Not a read model: nothing here is rebuilt from the events. An outbox row is written in the same
-- transaction as the projection batch (or the periodic check) that found its event, with one
-- delivery per subscription that wants it; the delivery worker sends each until the receiver
-- answers 2xx, keeping its state here, so nothing is lost when the receiver or the server is down.

CREATE SCHEMA IF NOT EXISTS "webhooks";

CREATE TABLE IF NOT EXISTS "webhooks"."subscriptions" (
    id uuid PRIMARY KEY,
    url text NOT NULL,
    events text[] NOT NULL,
    secret text NOT NULL,
    agency text,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE IF NOT EXISTS "webhooks"."outbox" (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id text NOT NULL UNIQUE,
    type text NOT NULL,
    payload text NOT NULL,
    agencies text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS "webhooks"."deliveries" (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id uuid NOT NULL REFERENCES "webhooks"."subscriptions" (id),
    outbox_id bigint NOT NULL REFERENCES "webhooks"."outbox" (id),
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    last_status integer,
    last_error text,
    delivered_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (subscription_id, outbox_id)
);

CREATE INDEX IF NOT EXISTS deliveries_due ON "webhooks"."deliveries" (next_attempt_at) WHERE state = 'pending';

CREATE INDEX IF NOT EXISTS deliveries_of_subscription ON "webhooks"."deliveries" (subscription_id, id);
