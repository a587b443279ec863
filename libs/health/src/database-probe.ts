import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { BaseEnv, SERVICE_NAME } from '@food-delivery/config';
import { Client } from 'pg';

/**
 * Readiness's own Postgres connection. Pinging through the service's pool would wait for a free connection, so a
 * service busy with work (or with an injected inventory delay) would look down and be taken out of rotation just
 * when it is needed; what readiness must tell is whether Postgres answers.
 */
@Injectable()
export class DatabaseProbe implements OnApplicationShutdown {
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private closed = false;

  constructor(
    private readonly env: BaseEnv,
    @Inject(SERVICE_NAME) private readonly service: string,
  ) {}

  /** `SELECT 1` on the probe connection; a failed connection is dropped and made again on the next ping. */
  async ping(timeoutMs: number): Promise<void> {
    const client = await this.connection(timeoutMs);
    try {
      await client.query('SELECT 1');
    } catch (error) {
      this.drop(client);
      throw error;
    }
  }

  private connection(timeoutMs: number): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect(timeoutMs).finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async connect(timeoutMs: number): Promise<Client> {
    if (this.closed) throw new Error('shutting down');
    const client = new Client({
      connectionString: this.env.DATABASE_URL,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      application_name: `${this.service}-readiness`,
    });
    // A connection Postgres or the network dropped: the next ping connects again.
    client.on('error', () => this.drop(client));
    try {
      await client.connect();
    } catch (error) {
      void client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      void client.end().catch(() => undefined);
      throw new Error('shutting down');
    }
    this.client = client;
    return client;
  }

  private drop(client: Client): void {
    if (this.client === client) this.client = null;
    void client.end().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
