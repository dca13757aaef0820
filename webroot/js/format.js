// Small pure helpers for display: times, typing lines, nick colours. No DOM, so Node can test them.

const pad = (n) => String(n).padStart(2, '0');

/** "14:05" in local time. */
export function shortTime(ts) {
  const d = new Date(ts);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "2026-11-21 14:05:09" in local time, for tooltips. */
export function fullTime(ts) {
  const d = new Date(ts);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${shortTime(ts)}:${pad(d.getSeconds())}`;
}

/** The typing line for a list of nicks: "", "a is typing…", "a and b are typing…", "several people are typing…". */
export function typingText(nicks) {
  if (nicks.length === 0) return '';
  if (nicks.length === 1) return `${nicks[0]} is typing…`;
  if (nicks.length === 2) return `${nicks[0]} and ${nicks[1]} are typing…`;
  if (nicks.length === 3) return `${nicks[0]}, ${nicks[1]} and ${nicks[2]} are typing…`;
  return 'several people are typing…';
}

/** A stable hue (0–359) for a nick, so each sender keeps one colour. */
export function nickHue(nick) {
  let h = 0x811c9dc5; // FNV-1a, then spread over the circle by the golden angle
  for (const ch of String(nick).toLowerCase()) h = Math.imul(h ^ ch.codePointAt(0), 0x01000193) >>> 0;
  return Math.round((h % 1000) * 137.508) % 360;
}

/** Room and nick names as protocol v1 allows them. */
export const ROOM_RE = /^[A-Za-z0-9_.-]{1,64}$/;
export const NICK_RE = /^[A-Za-z0-9_.-]{1,32}$/;

/** Trims and strips one leading "#" so "#Lobby " joins "Lobby". */
export function cleanRoomName(input) {
  return String(input).trim().replace(/^#/, '');
}
