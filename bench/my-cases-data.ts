/**
 * The myCases benchmark's dataset, loaded with set-based SQL straight into a database the
 * server has migrated (its default organisation exists). Deterministic: setseed() fixes random().
 *
 *   customer groups  Premium, Standard, Basic (portal-enabled), Internal (not)
 *   queues           10
 *   roles            TrackAll (read/write/append on the helpdesk queues, three groups),
 *                    CompanyTracker (read on six queues, Premium and Standard, accessOwnCompanyCases),
 *                    SalesViewer (read/write on Sales and Billing, three groups),
 *                    BillingCompany (read on Billing and Returns, Premium, accessOwnCompanyCases),
 *                    SecurityWriter (write, no read, on Security)
 *   portal profiles  company_trackers (all five roles), cmtrack_basiccustomers (TrackAll),
 *                    sales (SalesViewer), company_basic (CompanyTracker)
 *   companies        COMPANIES, CONTACTS_PER_COMPANY contacts each, plus STANDALONE contacts without one
 *   portal accounts  every contact of a portal-enabled group, one shared password hash
 *   cases            CASES over three years, newest last; reporters skewed (a few big customers),
 *                    queues uniform, company and customer group copied from the reporter
 */
import type { Sql } from "postgres";

export const DATASET = {
  companies: 2_000,
  contactsPerCompany: 5,
  standalone: 500,
  cases: 150_000,
};

export const QUEUES = [
  "Helpdesk_1st_Level",
  "Helpdesk_2nd_Level",
  "ServiceDesk",
  "Hardware",
  "Software",
  "Network",
  "Sales",
  "Billing",
  "Returns",
  "Security",
];

export type DatasetSizes = Record<string, number>;

export async function loadDataset(sql: Sql, passwordHash: string, options = DATASET): Promise<DatasetSizes> {
  const contactCount = options.companies * options.contactsPerCompany + options.standalone;
  await sql.begin(async (tx) => {
    await tx`select setseed(0.4242)`;
    const [{ id: org }] = await tx<{ id: string }[]>`select id from organisations where slug = 'default'`;

    await tx`
      insert into customer_groups (organisation_id, name, portal_enabled)
      values (${org}, 'Premium', true), (${org}, 'Standard', true), (${org}, 'Basic', true), (${org}, 'Internal', false)`;
    await tx`insert into queues (organisation_id, name) select ${org}, unnest(${QUEUES}::text[])`;

    await tx`
      insert into roles (organisation_id, name, access_own_company_cases) values
        (${org}, 'TrackAll', false), (${org}, 'CompanyTracker', true), (${org}, 'SalesViewer', false),
        (${org}, 'BillingCompany', true), (${org}, 'SecurityWriter', false)`;
    // role, queue, read, write, append
    const permissions: [string, string, boolean, boolean, boolean][] = [
      ...["Helpdesk_1st_Level", "Helpdesk_2nd_Level", "ServiceDesk"].map((q): [string, string, boolean, boolean, boolean] => ["TrackAll", q, true, true, true]),
      ...["Helpdesk_1st_Level", "Helpdesk_2nd_Level", "ServiceDesk", "Hardware", "Software", "Network"].map(
        (q): [string, string, boolean, boolean, boolean] => ["CompanyTracker", q, true, false, true],
      ),
      ["SalesViewer", "Sales", true, true, false],
      ["SalesViewer", "Billing", true, true, false],
      ["BillingCompany", "Billing", true, false, false],
      ["BillingCompany", "Returns", true, false, true],
      ["SecurityWriter", "Security", false, true, false],
    ];
    await tx`
      insert into role_queue_permissions (role_id, queue_id, read, write, append)
      select r.id, q.id, p.read, p.write, p.append
      from jsonb_to_recordset(${tx.json(permissions.map(([role, queue, read, write, append]) => ({ role, queue, read, write, append })))})
        as p(role text, queue text, read boolean, write boolean, append boolean)
      join roles r on r.name = p.role and r.organisation_id = ${org}
      join queues q on q.name = p.queue and q.organisation_id = ${org}`;
    const roleGroups: [string, string][] = [
      ["TrackAll", "Premium"], ["TrackAll", "Standard"], ["TrackAll", "Basic"],
      ["CompanyTracker", "Premium"], ["CompanyTracker", "Standard"],
      ["SalesViewer", "Premium"], ["SalesViewer", "Standard"], ["SalesViewer", "Basic"],
      ["BillingCompany", "Premium"],
      ["SecurityWriter", "Premium"],
    ];
    await tx`
      insert into role_customer_groups (role_id, customer_group_id)
      select r.id, g.id
      from jsonb_to_recordset(${tx.json(roleGroups.map(([role, group]) => ({ role, group })))}) as p(role text, "group" text)
      join roles r on r.name = p.role and r.organisation_id = ${org}
      join customer_groups g on g.name = p."group" and g.organisation_id = ${org}`;

    await tx`
      insert into portal_profiles (organisation_id, name)
      values (${org}, 'company_trackers'), (${org}, 'cmtrack_basiccustomers'), (${org}, 'sales'), (${org}, 'company_basic')`;
    const profileRoles: [string, string][] = [
      ["company_trackers", "TrackAll"], ["company_trackers", "CompanyTracker"], ["company_trackers", "SalesViewer"],
      ["company_trackers", "BillingCompany"], ["company_trackers", "SecurityWriter"],
      ["cmtrack_basiccustomers", "TrackAll"],
      ["sales", "SalesViewer"],
      ["company_basic", "CompanyTracker"],
    ];
    await tx`
      insert into portal_profile_roles (profile_id, role_id)
      select p.id, r.id
      from jsonb_to_recordset(${tx.json(profileRoles.map(([profile, role]) => ({ profile, role })))}) as x(profile text, role text)
      join portal_profiles p on p.name = x.profile and p.organisation_id = ${org}
      join roles r on r.name = x.role and r.organisation_id = ${org}`;

    // Companies: one in ten Internal, the rest Premium/Standard/Basic in turn.
    await tx`
      insert into companies (organisation_id, customer_group_id, name, created_at)
      select ${org}, g.id, 'Company ' || lpad(i::text, 5, '0'), now() - interval '4 years'
      from generate_series(0, ${options.companies - 1}::int) i
      join customer_groups g on g.organisation_id = ${org}
        and g.name = case when i % 10 = 9 then 'Internal' else (array['Premium', 'Standard', 'Basic'])[i % 3 + 1] end`;

    // Contacts: numbered 0..n-1; company contacts first (company = n / per company), then standalone ones in Basic.
    await tx`create temporary table bench_contacts (n int primary key, id uuid not null, company_id uuid, customer_group_id uuid not null) on commit drop`;
    await tx`
      with numbered as (select id, customer_group_id, row_number() over (order by name) - 1 as c from companies where organisation_id = ${org})
      insert into bench_contacts (n, id, company_id, customer_group_id)
      select n, gen_random_uuid(), co.id, co.customer_group_id
      from generate_series(0, ${options.companies * options.contactsPerCompany - 1}::int) n
      join numbered co on co.c = n / ${options.contactsPerCompany}::int`;
    await tx`
      insert into bench_contacts (n, id, company_id, customer_group_id)
      select n, gen_random_uuid(), null, (select id from customer_groups where organisation_id = ${org} and name = 'Basic')
      from generate_series(${options.companies * options.contactsPerCompany}::int, ${contactCount - 1}::int) n`;
    const firstNames = ["Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hugo", "Ida", "Jonas", "Katrin", "Lukas", "Mia", "Noah", "Olga", "Paul"];
    const lastNames = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz", "Braun"];
    await tx`
      insert into contacts (id, organisation_id, company_id, customer_group_id, first_name, last_name, email, created_at)
      select b.id, ${org}, b.company_id, b.customer_group_id,
        (${firstNames}::text[])[b.n % ${firstNames.length}::int + 1],
        (${lastNames}::text[])[b.n / 3 % ${lastNames.length}::int + 1] || ' ' || b.n,
        'contact' || b.n || '@bench.example', now() - interval '4 years'
      from bench_contacts b order by b.n`;

    // Portal accounts for contacts of portal-enabled groups; the profile goes by company (standalone: TrackAll only).
    await tx`
      insert into portal_accounts (contact_id, organisation_id, login, password_hash, password_changed_at, profile_id)
      select b.id, ${org}, 'contact' || b.n || '@bench.example', ${passwordHash}, now(),
        (select p.id from portal_profiles p where p.organisation_id = ${org} and p.name =
          case when b.company_id is null then 'cmtrack_basiccustomers'
               else (array['company_trackers', 'cmtrack_basiccustomers', 'sales', 'company_basic'])[(b.n / ${options.contactsPerCompany}::int) % 4 + 1] end)
      from bench_contacts b
      join customer_groups g on g.id = b.customer_group_id and g.portal_enabled`;

    // Cases: created_at grows with the number (plus jitter), reporters skewed towards low contact numbers.
    const subjects = ["Cannot sign in", "Invoice question", "Printer offline", "VPN drops", "Order missing", "Licence renewal", "Slow laptop", "Password reset", "Return label", "Phishing mail"];
    await tx`
      with picks as (
        select i, floor(${contactCount}::int * power(random(), 1.5))::int as who, floor(random() * ${QUEUES.length}::int)::int as q, random() as r
        from generate_series(1, ${options.cases}::int) i
      ), queue_list as (
        select id, row_number() over (order by name) - 1 as q from queues where organisation_id = ${org}
      )
      insert into cases (organisation_id, queue_id, contact_id, company_id, customer_group_id, subject, description, status, created_at, updated_at)
      select ${org}, ql.id, b.id, b.company_id, b.customer_group_id,
        (${subjects}::text[])[p.i % ${subjects.length}::int + 1] || ' #' || p.i,
        case when p.r < 0.3 then null else 'Details of case ' || p.i || ': ' || repeat('lorem ipsum ', 1 + (p.i % 20)) end,
        case when p.i > ${Math.round(options.cases * 0.97)}::int or p.r < 0.05 then 'OPEN' else 'CLOSED' end,
        now() - interval '3 years' + (p.i::float8 / ${options.cases}::int) * interval '3 years' + p.r * interval '10 minutes',
        now() - interval '3 years' + (p.i::float8 / ${options.cases}::int) * interval '3 years' + p.r * interval '3 days'
      from picks p
      join bench_contacts b on b.n = p.who
      join queue_list ql on ql.q = p.q
      order by p.i`;
  });
  await sql`analyze`;
  const sizes: DatasetSizes = {};
  for (const table of [
    "customer_groups",
    "queues",
    "roles",
    "role_queue_permissions",
    "role_customer_groups",
    "portal_profiles",
    "portal_profile_roles",
    "companies",
    "contacts",
    "portal_accounts",
    "cases",
  ]) {
    const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from ${sql(table)}`;
    sizes[table] = n;
  }
  return sizes;
}
