/** Who is acting: a signed-in user as every layer below the HTTP edge sees them. */
export type Role = "provider" | "student";

export interface AuthUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  timezone: string;
  /** BCP 47 tag dates are written in for this person. */
  locale: string;
}
