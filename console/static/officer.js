// The reply form's template picker: the chosen template's text (its placeholders already
// filled by the server for this case) goes into the reply, and its language with it.
document.addEventListener("DOMContentLoaded", () => {
  const picker = document.getElementById("template-picker");
  if (!picker) return;
  const form = picker.closest("form");
  picker.addEventListener("change", () => {
    const option = picker.selectedOptions[0];
    if (!option || !option.value) return;
    form.elements.reply.value = option.dataset.text;
    form.elements.language.value = option.dataset.language;
  });
});
