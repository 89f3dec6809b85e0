import { type ClassType, Field, Int, ObjectType } from "type-graphql";
import { PageInfo } from "./pagination.js";

/**
 * A Relay connection type for a node type: `<Name>Connection` and `<Name>Edge`. Simple resolvers:
 * type-graphql's per-field wrapper serves only its own middlewares, which this server does not use.
 */
export function Connection<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class Edge {
    @Field(() => String)
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`, { simpleResolvers: true })
  class ConnectionType {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: "All items that match the filter, on every page." })
    totalCount!: number;
  }
  return { Connection: ConnectionType, Edge };
}
