// Sends the browser's time zone with a sign-in: the account page shows it as where each session began.
for (const input of document.querySelectorAll('input[name="time_zone"]')) {
  input.value = Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
}
