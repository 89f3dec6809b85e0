import { DateTimeResolver, JSONResolver, LocalDateResolver } from "graphql-scalars";

export const DateTime = DateTimeResolver;
export const LocalDate = LocalDateResolver;
export const JSON = JSONResolver;
