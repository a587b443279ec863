import { SigningKey } from './keys/signing-key.entity';
import { CreateUserSchema1763800000000 } from './migrations/1763800000000-create-user-schema';
import { AddUserRole1765000000000 } from './migrations/1765000000000-add-user-role';
import { UniqueUserEmail1765100000000 } from './migrations/1765100000000-unique-user-email';
import { User } from './users/user.entity';

/** Everything TypeORM needs to know about the user service's own schema. */
export const USER_DATABASE = {
  schema: 'user',
  entities: [User, SigningKey],
  migrations: [CreateUserSchema1763800000000, AddUserRole1765000000000, UniqueUserEmail1765100000000],
  applicationName: 'user-service',
};
