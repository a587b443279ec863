// The statements of the bare three-hop reference (bare-three-hop.mjs): copies of the services' prepared
// statements, with their table and column constants written out. bare-three-hop.spec.ts checks each one against
// the service source it was copied from, so the floor cannot drift from what the services run.

/** `SELECT` of the user service's `/validate` (users.service.ts, FIND_IDENTITY). */
export const FIND_IDENTITY = 'SELECT id, username FROM "user".users WHERE id = $1';

const RESERVATION_COLUMNS = 'order_id, status, user_id, created_at, updated_at, committed_at, released_at';
/** The restaurant's reservation in one statement (reservations.service.ts, RESERVE_IN_ONE_STATEMENT). */
export const RESERVE_IN_ONE_STATEMENT = `
  WITH lines AS (
    SELECT * FROM unnest($2::int[], $3::int[]) AS l(menu_id, quantity)
  ), locked AS (
    SELECT m.id, m.name, m.price, m.stock FROM restaurant.menus m
     WHERE m.id = ANY($2::int[]) ORDER BY m.id FOR UPDATE
  ), verdict AS (
    SELECT count(*) = cardinality($2::int[]) AND COALESCE(bool_and(k.stock >= l.quantity), false) AS ok
      FROM lines l JOIN locked k ON k.id = l.menu_id
  ), claim AS (
    INSERT INTO restaurant.reservations (order_id, status, user_id)
    SELECT $1, 'active', $4 FROM verdict WHERE verdict.ok
    ON CONFLICT (order_id) DO NOTHING
    RETURNING ${RESERVATION_COLUMNS}
  ), taken AS (
    UPDATE restaurant.menus m SET stock = m.stock - l.quantity, updated_at = now()
      FROM lines l WHERE m.id = l.menu_id AND EXISTS (SELECT 1 FROM claim)
  ), items AS (
    INSERT INTO restaurant.reservation_items (order_id, menu_id, quantity, unit_price)
    SELECT $1, l.menu_id, l.quantity, k.price FROM lines l JOIN locked k ON k.id = l.menu_id
     WHERE EXISTS (SELECT 1 FROM claim)
  )
  SELECT (SELECT row_to_json(c) FROM claim c) AS claimed,
         COALESCE((SELECT json_agg(k ORDER BY k.id) FROM locked k), '[]'::json) AS menus`;

const ORDER_COLUMNS =
  'id, user_id, status, failure_reason, total, address, phone, idempotency_key, version, created_at, updated_at';
const ORDERS = '"order"."orders"';
const ORDER_ITEMS = '"order"."order_items"';
const SAGA_TASKS = '"order"."saga_tasks"';

/** The PENDING order and its items (order-store.service.ts, INSERT_PENDING). */
export const INSERT_PENDING = `
  WITH o AS (
    INSERT INTO ${ORDERS} (user_id, status, address, phone, idempotency_key, request_hash)
    VALUES ($1, 'PENDING', $2, $3, $4, $5)
    ON CONFLICT (user_id, idempotency_key) DO NOTHING
    RETURNING ${ORDER_COLUMNS}
  ), i AS (
    INSERT INTO ${ORDER_ITEMS} (order_id, menu_id, quantity)
    SELECT o.id, l.menu_id, l.quantity FROM o, unnest($6::int[], $7::int[]) AS l(menu_id, quantity)
    RETURNING id, menu_id
  )
  SELECT o.*, COALESCE((SELECT json_agg(json_build_object('id', i.id, 'menu_id', i.menu_id)) FROM i), '[]'::json) AS item_ids
    FROM o`;

/** A status change with prices and a saga task (order-store.service.ts, TRANSITION). */
export const TRANSITION = `
  WITH l AS (
    SELECT * FROM unnest($5::int[], $6::varchar[], $7::int[]) AS l(menu_id, name, unit_price)
  ), o AS (
    UPDATE ${ORDERS}
       SET status = $2, failure_reason = $3, version = version + 1, updated_at = now(),
           total = COALESCE((SELECT SUM(i.quantity::bigint * l.unit_price)
                               FROM ${ORDER_ITEMS} i JOIN l ON l.menu_id = i.menu_id
                              WHERE i.order_id = $1), total)
     WHERE id = $1 AND status = ANY($4::varchar[])
     RETURNING ${ORDER_COLUMNS}
  ), priced AS (
    UPDATE ${ORDER_ITEMS} i SET name = l.name, unit_price = l.unit_price
      FROM l, o
     WHERE i.order_id = o.id AND i.menu_id = l.menu_id
     RETURNING i.id, i.menu_id, i.quantity, i.name, i.unit_price
  ), task AS (
    INSERT INTO ${SAGA_TASKS} (order_id, action, next_attempt_at)
    SELECT o.id, $8::varchar, now() + $9::int * interval '1 millisecond' FROM o WHERE $8::varchar IS NOT NULL
    ON CONFLICT (order_id, action) DO NOTHING
  )
  SELECT o.*,
         COALESCE((SELECT json_agg(priced) FROM priced),
                  (SELECT json_agg(json_build_object('id', i.id, 'menu_id', i.menu_id, 'quantity', i.quantity,
                                                     'name', i.name, 'unit_price', i.unit_price))
                     FROM ${ORDER_ITEMS} i WHERE i.order_id = $1),
                  '[]'::json) AS items
    FROM o`;
