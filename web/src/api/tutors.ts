import { type ClientResponse, hc } from "hono/client";
import type { AppType } from "../../../.types/src/app";
import type { TutorListing, TutorSearchQuery } from "../../../src/shared/tutor-types";
import { settle } from "./http";
import type { CancellationPolicy, ProviderProfile } from "./types";

const api_ = hc<AppType>("/").api;

function call<T>(pending: Promise<ClientResponse<T, number, "json">>): Promise<T> {
  return settle<T>(pending as unknown as Promise<Response>);
}

export interface TutorProfileBody {
  hourlyRate: number;
  currency: string;
  bio?: string;
  cancellationPolicy?: CancellationPolicy;
  headline?: string | null;
  subjects?: string[];
  languages?: string[];
}

/** Tutor profiles and discovery: the calls beyond endpoints.ts. */
export const tutorsApi = {
  /** GET /api/providers with filters; the query string is built here (its validator is untyped for the client). */
  search: (query: TutorSearchQuery): Promise<{ providers: TutorListing[] }> => {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
    const search = params.size > 0 ? `?${params}` : "";
    return settle(
      fetch(`/api/providers${search}`, {
        headers: { accept: "application/json" },
        credentials: "same-origin",
      }),
    );
  },
  tutor: (id: string): Promise<TutorListing> => call(api_.providers[":id"].$get({ param: { id } })),
  saveProfile: (body: TutorProfileBody): Promise<ProviderProfile> =>
    call(api_.me["provider-profile"].$put({ json: body })),
  /** The photo as its raw bytes; the blob's type is the Content-Type (JPEG, PNG or WebP). */
  uploadPhoto: (photo: Blob): Promise<ProviderProfile> =>
    settle(
      fetch("/api/me/provider-profile/photo", {
        method: "PUT",
        headers: { "content-type": photo.type, accept: "application/json" },
        credentials: "same-origin",
        body: photo,
      }),
    ),
  removePhoto: (): Promise<ProviderProfile> => call(api_.me["provider-profile"].photo.$delete()),
};
