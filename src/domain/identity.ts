/** Who is acting: a signed-in user as every layer below the HTTP edge sees them. */
export type Role = "provider" | "student";

export interface AuthUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  timezone: string;
}
