/**
 * The best SQL we could write for a contact's first page of readable cases, as one statement
 * (postgres.js prepares it: parsed and planned once per connection). Used by the plain endpoint
 * (bench/my-cases-plain.ts) and by the benchmark for its EXPLAIN and the choice of contact.
 *
 * The rule (../shared/contract/access.graphql), split into two disjoint branches:
 *   own:     K.contact = C, and some read role of C's profile covers (K.queue, K.customer group);
 *   company: K.company = C's company, K.contact <> C, and some read role with
 *            accessOwnCompanyCases covers (K.queue, K.customer group).
 * (A company grant is also a grant, so an own case needs nothing from the second branch.)
 * Each branch is one ordered index range scan ((contact_id | company_id, created_at desc, id desc))
 * filtered through the grants as a hashed set, stopping after `first` rows; a Merge Append of the
 * two gives the page; queue and reporter are joined to those rows only. ORDER BY says NULLS LAST
 * to match the indexes' order (created_at and id are NOT NULL, so the order is the same).
 * totalCount is the same two branches, counted, in the same statement. Like a session's checks,
 * a disabled or locked account, or a group not enabled for the portal, sees nothing.
 */
import type { Sql } from "postgres";

export type BaselineRow = {
  total: string | null;
  id: string | null;
  number: string;
  subject: string;
  status: string;
  created_at: Date;
  queue_id: string;
  queue_name: string;
  contact_id: string;
  first_name: string;
  last_name: string;
};

export function baselinePage(sql: Sql, contactId: string, first: number, withCount: boolean) {
  const head = sql`
    with me as materialized (
      select c.id, c.company_id, c.organisation_id, pa.profile_id
      from contacts c
      join portal_accounts pa on pa.contact_id = c.id
      join customer_groups g on g.id = c.customer_group_id
      where c.id = ${contactId}::uuid
        and pa.enabled and not pa.locked and (pa.locked_until is null or pa.locked_until <= now()) and g.portal_enabled
    ), grants as materialized (
      select rqp.queue_id, rcg.customer_group_id, bool_or(r.access_own_company_cases) as company
      from me
      join portal_profile_roles ppr on ppr.profile_id = me.profile_id
      join roles r on r.id = ppr.role_id
      join role_queue_permissions rqp on rqp.role_id = r.id and rqp.read
      join role_customer_groups rcg on rcg.role_id = r.id
      group by rqp.queue_id, rcg.customer_group_id
    ), page as (
      (select k.id, k.number, k.subject, k.status, k.created_at, k.queue_id, k.contact_id
       from cases k
       where k.contact_id = ${contactId}::uuid and k.organisation_id = (select organisation_id from me)
         and ((k.queue_id, k.customer_group_id) in (select queue_id, customer_group_id from grants)) is true
       order by k.created_at desc nulls last, k.id desc nulls last limit ${first}::int)
      union all
      (select k.id, k.number, k.subject, k.status, k.created_at, k.queue_id, k.contact_id
       from cases k
       where k.company_id = (select company_id from me) and k.contact_id <> ${contactId}::uuid
         and k.organisation_id = (select organisation_id from me)
         and ((k.queue_id, k.customer_group_id) in (select queue_id, customer_group_id from grants where company)) is true
       order by k.created_at desc nulls last, k.id desc nulls last limit ${first}::int)
      order by created_at desc nulls last, id desc nulls last limit ${first}::int
    ), rows as (
      select p.id, p.number, p.subject, p.status, p.created_at,
        q.id as queue_id, q.name as queue_name, ct.id as contact_id, ct.first_name, ct.last_name
      from page p
      join queues q on q.id = p.queue_id
      join contacts ct on ct.id = p.contact_id
    )`;
  if (!withCount) {
    return sql<BaselineRow[]>`${head}
      select null::bigint as total, rows.* from rows
      order by rows.created_at desc nulls last, rows.id desc nulls last`;
  }
  return sql<BaselineRow[]>`${head}, total as (
      select
        (select count(*) from cases k
         where k.contact_id = ${contactId}::uuid and k.organisation_id = (select organisation_id from me)
           and ((k.queue_id, k.customer_group_id) in (select queue_id, customer_group_id from grants)) is true)
      + (select count(*) from cases k
         where k.company_id = (select company_id from me) and k.contact_id <> ${contactId}::uuid
           and k.organisation_id = (select organisation_id from me)
           and ((k.queue_id, k.customer_group_id) in (select queue_id, customer_group_id from grants where company)) is true)
        as n
    )
    select total.n as total, rows.* from total left join rows on true
    order by rows.created_at desc nulls last, rows.id desc nulls last`;
}

/** The GraphQL response's shape, so that both endpoints send about the same bytes. */
export function asConnection(rows: BaselineRow[], withCount: boolean, first: number) {
  const edges = rows
    .filter((r) => r.id !== null)
    .slice(0, first)
    .map((r) => ({
      node: {
        id: r.id,
        number: Number(r.number),
        subject: r.subject,
        status: r.status,
        createdAt: r.created_at.toISOString(),
        queue: { id: r.queue_id, name: r.queue_name },
        contact: { id: r.contact_id, firstName: r.first_name, lastName: r.last_name },
      },
    }));
  return { data: { myCases: withCount ? { totalCount: Number(rows[0]?.total ?? 0), edges } : { edges } } };
}
