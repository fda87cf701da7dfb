import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import type { Role } from "../api/types";
import { useAuth } from "../lib/auth";
import { LiveRegion } from "./live-region";
import { UnreadBadge } from "./unread-badge";

const LINKS: Record<Role, { href: string; label: string }[]> = {
  provider: [
    { href: "/teach", label: "Calendar" },
    { href: "/teach/patterns", label: "Weekly patterns" },
    { href: "/bookings", label: "Bookings" },
    { href: "/sessions", label: "Sessions" },
    { href: "/earnings", label: "Earnings" },
    { href: "/messages", label: "Messages" },
    { href: "/inbox", label: "Inbox" },
    { href: "/integrations", label: "Integrations" },
    { href: "/account", label: "Account" },
  ],
  student: [
    { href: "/find", label: "Find a tutor" },
    { href: "/bookings", label: "My bookings" },
    { href: "/sessions", label: "Sessions" },
    { href: "/messages", label: "Messages" },
    { href: "/inbox", label: "Inbox" },
    { href: "/account", label: "Account" },
  ],
};

function isCurrent(path: string, href: string): boolean {
  if (href === "/teach") return path === "/teach" || /^\/teach\/slots/.test(path);
  return path === href || path.startsWith(`${href}/`);
}

/**
 * Keeps `--header-height` on <html> equal to the sticky header's height, so `scroll-padding-top`
 * scrolls a focused element clear of it (the header wraps to two lines on some widths).
 */
function useHeaderHeight() {
  const header = useRef<HTMLElement>(null);
  useEffect(() => {
    const element = header.current;
    if (!element || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      document.documentElement.style.setProperty("--header-height", `${element.offsetHeight}px`);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return header;
}

export function Layout({ children }: { children: ComponentChildren }) {
  const { user, signOut } = useAuth();
  const { path, route } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const header = useHeaderHeight();

  useEffect(() => setMenuOpen(false), [path]);

  const links = user ? LINKS[user.role] : [];
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="site-header" ref={header}>
        <div class="header-inner">
          <a class="brand" href="/">
            Lectern
          </a>
          {user && (
            <button
              type="button"
              class="menu-toggle secondary"
              aria-expanded={menuOpen}
              aria-controls="main-nav"
              onClick={() => setMenuOpen((open) => !open)}
            >
              Menu
            </button>
          )}
          {user === undefined ? (
            // Who is signed in isn't known yet: neither guest links nor a menu, so nothing flashes.
            <div class="main-nav nav-pending" aria-hidden="true" data-testid="nav-pending" />
          ) : user ? (
            <nav id="main-nav" aria-label="Main" class={menuOpen ? "main-nav open" : "main-nav"}>
              <ul>
                {links.map((link) => (
                  <li key={link.href}>
                    <a href={link.href} aria-current={isCurrent(path, link.href) ? "page" : undefined}>
                      {link.label}
                      {link.href === "/messages" && <UnreadBadge />}
                    </a>
                  </li>
                ))}
                <li class="nav-user">
                  <span class="who">
                    {user.name}{" "}
                    <span class="role">({user.role === "provider" ? "teaching" : "learning"})</span>
                  </span>
                  <button
                    type="button"
                    class="link-button"
                    onClick={async () => {
                      await signOut();
                      route("/signin");
                    }}
                  >
                    Sign out
                  </button>
                </li>
              </ul>
            </nav>
          ) : (
            <nav aria-label="Account" class="main-nav guest">
              <ul class="guest-links">
                <li>
                  <a href="/signin" aria-current={path === "/signin" ? "page" : undefined}>
                    Sign in
                  </a>
                </li>
                <li>
                  <a href="/signup" aria-current={path === "/signup" ? "page" : undefined}>
                    Create account
                  </a>
                </li>
              </ul>
            </nav>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <LiveRegion />
    </>
  );
}
