import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUniqueViolation, PreparedStatement } from '@food-delivery/database';
import { ApiError } from '@food-delivery/http';
import { DataSource, type Repository } from 'typeorm';
import type { SignupDto } from './dto/signup.dto';
import { PasswordHasher } from './password-hasher.service';
import { User } from './user.entity';

/** The order service validates a user before every order: the hottest lookup here. */
const FIND_IDENTITY = new PreparedStatement<{ id: number; username: string }>(
  'SELECT id, username FROM "user".users WHERE id = $1',
);

const usernameTaken = (username: string) =>
  new ApiError(409, 'USERNAME_TAKEN', `Username "${username}" is already taken`);
const emailTaken = (email: string) =>
  new ApiError(409, 'EMAIL_TAKEN', `Email "${email}" is already registered`);

/** The unique index a violation hit (pg's `constraint`), through TypeORM's wrapper. */
const violatedConstraint = (error: unknown): string | undefined => {
  const e = error as { constraint?: string; driverError?: { constraint?: string } } | null;
  return e?.constraint ?? e?.driverError?.constraint;
};

@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
    private readonly dataSource: DataSource,
  ) {}

  async signup(dto: SignupDto): Promise<User> {
    // Cheap pre-checks so a duplicate does not cost an argon2 hash; the unique indexes settle races.
    if (await this.users.existsBy({ username: dto.username })) throw usernameTaken(dto.username);
    if (dto.email && (await this.emailRegistered(dto.email))) throw emailTaken(dto.email);
    const passwordHash = await this.hasher.hash(dto.password);
    try {
      const user = await this.users.save(
        this.users.create({
          username: dto.username,
          passwordHash,
          name: dto.name ?? null,
          email: dto.email ?? null,
        }),
      );
      this.logger.log({ event: 'user.signed_up', user_id: user.id }, 'User signed up');
      return user;
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw violatedConstraint(error) === 'uq_users_email'
          ? emailTaken(dto.email ?? '')
          : usernameTaken(dto.username);
      }
      throw error;
    }
  }

  private async emailRegistered(email: string): Promise<boolean> {
    const [row] = await this.dataSource.query<{ taken: boolean }[]>(
      'SELECT EXISTS (SELECT 1 FROM "user".users WHERE lower(email) = lower($1)) AS taken',
      [email],
    );
    return row.taken;
  }

  async findById(id: number): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new ApiError(404, 'USER_NOT_FOUND', `User ${id} does not exist`);
    return user;
  }

  /** Id and username of a user (404 USER_NOT_FOUND otherwise), for `/validate`. */
  async findIdentity(id: number): Promise<{ id: number; username: string }> {
    const [user] = await FIND_IDENTITY.run(this.dataSource, [id]);
    if (!user) throw new ApiError(404, 'USER_NOT_FOUND', `User ${id} does not exist`);
    return user;
  }

  /** The user when the credentials match; null otherwise (callers must not reveal which part was wrong). */
  async checkCredentials(username: string, password: string): Promise<User | null> {
    const user = await this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('user.username = :username', { username })
      .getOne();
    const ok = await this.hasher.verify(user?.passwordHash ?? null, password);
    return ok ? user : null;
  }

  /**
   * Makes `username` an operator with `password` (local mode seeds operator/operator): created when missing,
   * promoted and given the password when it exists. Safe when several replicas start together.
   */
  async ensureOperator(username: string, password: string): Promise<void> {
    const existing = await this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('user.username = :username', { username })
      .getOne();
    if (existing?.role === 'operator' && (await this.hasher.verify(existing.passwordHash, password))) return;
    const passwordHash = await this.hasher.hash(password);
    await this.users
      .createQueryBuilder()
      .insert()
      .values({ username, passwordHash, name: 'Operator', email: null, role: 'operator' })
      .orUpdate(['password_hash', 'role'], ['username'])
      .execute();
    this.logger.log({ event: 'user.operator_seeded', username }, `Operator account ${username} is ready`);
  }

  /** Creates the demo account once; safe when several replicas start together. */
  async ensureDemoUser(username: string, password: string): Promise<void> {
    if (await this.users.existsBy({ username })) return;
    const passwordHash = await this.hasher.hash(password);
    const result = await this.users
      .createQueryBuilder()
      .insert()
      .values({ username, passwordHash, name: 'Demo User', email: null })
      .orIgnore()
      .execute();
    if (result.identifiers.length) this.logger.log(`Seeded demo account ${username}/${password}`);
  }
}
