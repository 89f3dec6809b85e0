import fc from "fast-check";
type Flags = { read: boolean; write: boolean; append: boolean };
type RoleSpec = { perms: Array<Flags | null>; groups: number[]; ownCompany: boolean };
type World = {
  groups: number;
  queues: number;
  roles: RoleSpec[]; // perms[q] null: the role says nothing about queue q
  profiles: number[][]; // role indices
  companies: number[]; // company -> customer group
  contacts: Array<{ company: number; profile: number | null }>;
  cases: Array<{ queue: number; reporter: number }>; // a case's company and group are its reporter's
};

// ---------------------------------------------------------------------------------------
// The model: THE rule, straight from the contract's text.

const groupOfContact = (w: World, c: number) => w.companies[w.contacts[c].company];
const rolesOf = (w: World, c: number): RoleSpec[] => {
  const p = w.contacts[c].profile;
  return p === null ? [] : w.profiles[p].map((r) => w.roles[r]); // no profile: no roles, may do nothing
};

/** C may READ K iff one role R of C's profile grants read on K's queue, K's customer group is among
 *  R's customer groups, and (K's contact is C, or R.accessOwnCompanyCases and K's company is C's company). */
function mayRead(w: World, c: number, k: number): boolean {
  const kase = w.cases[k];
  return rolesOf(w, c).some(
    (r) =>
      r.perms[kase.queue]?.read === true &&
      r.groups.includes(groupOfContact(w, kase.reporter)) &&
      (kase.reporter === c || (r.ownCompany && w.contacts[kase.reporter].company === w.contacts[c].company)),
  );
}

/** C may WRITE on a queue iff a role grants write on it. */
const mayWrite = (w: World, c: number, q: number) => rolesOf(w, c).some((r) => r.perms[q]?.write === true);

/** C may APPEND on K iff C may read K and any role of C's profile grants append on K's queue. */
const mayAppend = (w: World, c: number, k: number) =>
  mayRead(w, c, k) && rolesOf(w, c).some((r) => r.perms[w.cases[k].queue]?.append === true);

// ---------------------------------------------------------------------------------------
// The generator. Sizes are drawn first; references are drawn as naturals and reduced modulo the
// sizes, so every part shrinks on its own.

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
// read is drawn true three times in four, so that enough pairs are readable to test the other conditions.
const flags = fc.record({ read: fc.nat(3).map((n) => n > 0), write: fc.boolean(), append: fc.boolean() });

const worldArb: fc.Arbitrary<World> = fc
  .record({
    groups: fc.integer({ min: 2, max: 3 }),
    queues: fc.integer({ min: 2, max: 3 }),
    roles: fc.array(
      fc.record({
        perms: fc.array(fc.option(flags, { freq: 4, nil: null }), { minLength: 3, maxLength: 3 }),
        groups: fc.subarray([0, 1, 2]),
        ownCompany: fc.boolean(),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    profiles: fc.array(fc.subarray([0, 1, 2, 3]), { minLength: 1, maxLength: 3 }),
    companies: fc.array(fc.nat(2), { minLength: 2, maxLength: 3 }),
    contacts: fc.array(fc.record({ company: fc.nat(2), profile: fc.option(fc.nat(2), { freq: 8, nil: null }) }), {
      minLength: 3,
      maxLength: 6,
    }),
    cases: fc.array(fc.record({ queue: fc.nat(2), reporter: fc.nat(5) }), { minLength: 4, maxLength: 12 }),
  })
  .map((raw): World => ({
    groups: raw.groups,
    queues: raw.queues,
    roles: raw.roles.map((r) => ({
      perms: r.perms.slice(0, raw.queues),
      groups: r.groups.filter((g) => g < raw.groups),
      ownCompany: r.ownCompany,
    })),
    profiles: raw.profiles.map((p) => p.filter((r) => r < raw.roles.length)),
    companies: raw.companies.map((g) => g % raw.groups),
    contacts: raw.contacts.map((c) => ({
      company: c.company % raw.companies.length,
      profile: c.profile === null ? null : c.profile % raw.profiles.length,
    })),
    cases: raw.cases.map((k) => ({ queue: k.queue % raw.queues, reporter: k.reporter % raw.contacts.length })),
  }));

// ---------------------------------------------------------------------------------------
// Building a world through the admin SDK, under fresh names.

const batches = 2000, keys = ["readable","unreadable","ownCompanyReads","appendWithoutReadDenied","readWithoutAppend","appendable","writeOnCaseQueue","profileless","deniedNoQueueRead","deniedGroupNotCovered","deniedNotOwnNorCompany"];
const zero: Record<string, number> = Object.fromEntries(keys.map(k=>[k,0]));
const runs = Number(process.argv[2] ?? 20);
for (let b = 0; b < batches; b++) {
  const s: Record<string, number> = Object.fromEntries(keys.map(k=>[k,0]));
  for (const w of fc.sample(worldArb, runs)) {
    for (const c of range(w.contacts.length)) {
      if (w.contacts[c].profile === null) { s.profileless++; continue; }
      for (const k of range(w.cases.length)) {
        const read = mayRead(w,c,k), append = mayAppend(w,c,k), write = mayWrite(w,c,w.cases[k].queue);
        if (read) s.readable++; else { s.unreadable++;
          const readers = rolesOf(w, c).filter((r) => r.perms[w.cases[k].queue]?.read);
          if (!readers.length) s.deniedNoQueueRead++;
          else if (!readers.some((r) => r.groups.includes(groupOfContact(w, w.cases[k].reporter)))) s.deniedGroupNotCovered++;
          else s.deniedNotOwnNorCompany++; }
        if (read && w.cases[k].reporter !== c) s.ownCompanyReads++;
        if (!read && rolesOf(w, c).some((r) => r.perms[w.cases[k].queue]?.append)) s.appendWithoutReadDenied++;
        if (read && !append) s.readWithoutAppend++;
        if (append) s.appendable++;
        if (write) s.writeOnCaseQueue++;
      }
    }
  }
  for (const k of keys) if (s[k] === 0) zero[k]++;
}
console.log(runs, zero);
