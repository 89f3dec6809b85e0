import { Field, ID, InputType, ObjectType } from "type-graphql";

@ObjectType({ description: "Where cases live; roles grant read, write and append per queue.", simpleResolvers: true })
export class Queue {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;
}

@InputType()
export class CreateQueueInput {
  @Field(() => String)
  name!: string;
}
