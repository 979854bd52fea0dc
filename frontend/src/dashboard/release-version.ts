/** The next release version: releases only go up (the server refuses anything else). */

export type Bump = "major" | "minor" | "patch";

/** The first release is 1.0.0 whatever the bump; an unreadable latest version counts as none. */
export function nextVersion(latest: string | null, bump: Bump): string {
  const match = latest ? /^(\d+)\.(\d+)\.(\d+)$/.exec(latest.trim()) : null;
  if (!match) return "1.0.0";
  const [major, minor, patch] = match.slice(1).map(Number) as [number, number, number];
  switch (bump) {
    case "major":
      return `${major + 1}.0.0`;
    case "minor":
      return `${major}.${minor + 1}.0`;
    case "patch":
      return `${major}.${minor}.${patch + 1}`;
  }
}
