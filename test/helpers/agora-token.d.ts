// agora-token ships no types for its deep AccessToken2 module (pinned at 2.0.6).
declare module "agora-token/src/AccessToken2" {
  export class AccessToken2 {
    constructor(appId: string, appCertificate: string, issueTs: number, expire: number);
    appId: { toString(): string };
    issueTs: number;
    expire: number;
    from_string(token: string): boolean;
    verifySignature(appCertificate: string): boolean;
    getServices(serviceType: number): {
      __channel_name: { toString(): string };
      __uid: { toString(): string };
      __privileges: Record<string, number>;
    }[];
  }
}
