import { renderMarkup } from '../../../../../lambdas/core/normalize/markup';
import { normalizeSegment } from '../../../../../lambdas/core/normalize/normalize';

describe('renderMarkup', () => {
  it.each([
    ['inline tags leave nothing', 'pi<span>pe</span> bo<i>mb</i>', 'pipe bomb'],
    ['an empty inline element joins the words', 'pipe<b></b>bomb', 'pipebomb'],
    ['a line break renders as a space', 'pipe<br/>bomb', 'pipe bomb'],
    ['block elements render as a space', '<p>one</p><p>two</p>', ' one two '],
    ['comments leave nothing', 'pi<!-- note -->pe', 'pipe'],
    ['attributes, a quoted > among them', '<a href="x" title=\'a > b\'>link</a>', 'link'],
    ['a tag of another name glued on both sides', 'pipe<x></x>bomb', 'pipebomb'],
    ['capital tag names', 'A<B>b</B>c', 'Abc'],
  ])('%s', (_, text, rendered) => {
    expect(renderMarkup(text)).toBe(rendered);
  });

  it.each([
    [
      'links side by side',
      '<a href="/kits">Build a car</a><a href="/squad">Bomb squad</a>',
      'Build a car • Bomb squad',
    ],
    [
      'spans side by side',
      '<span>Make a car</span><span>Bomb Squad</span> menu',
      'Make a car • Bomb Squad menu',
    ],
    [
      'tags of another name side by side',
      '<Trans>make a pipe</Trans><Trans>bomb</Trans>',
      '<Trans>make a pipe • bomb</Trans>',
    ],
    ['a link after bold text', '<b>pipe</b><a href="/x">bomb</a>', 'pipe • bomb'],
  ])('renders an element boundary as a spaced bullet: %s', (_, text, rendered) => {
    expect(renderMarkup(text)).toBe(rendered);
  });

  it.each([
    ['one formatting element after another', '<b>pipe</b><i>bomb</i>', 'pipebomb'],
    ['an empty element', 'pipe<b></b>bomb', 'pipebomb'],
    ['a word break opportunity', 'pipe<wbr>bomb', 'pipebomb'],
    ['only closing tags', '<b><i>pipe</i></b>bomb', 'pipebomb'],
    ['only opening tags', 'pipe<b><i>bomb</i></b>', 'pipebomb'],
    ['elements of one or two letters', '<span>p</span><span>i</span><span>pe</span>', 'pipe'],
  ])('joins the text across %s', (_, text, rendered) => {
    expect(renderMarkup(text)).toBe(rendered);
  });

  it('renders an element boundary as asked', () => {
    expect(renderMarkup('<a>car</a><a>bomb</a>', '|', '#')).toBe('|car#bomb|');
  });

  it('marks where inline markup stood when asked', () => {
    expect(renderMarkup('pipe<b></b>bomb', '|')).toBe('pipe|bomb');
  });

  it.each([
    ['no tag', 'a < b and c > d'],
    ['a generic type', 'List<String> names = new ArrayList<String>();'],
    ['a comparison that looks like a tag', 'if (a<b && c>d) return;'],
    ['a harness tag on its own line', '<system-reminder>\nread the file\n</system-reminder>'],
    ['an unclosed tag', 'x <b class="y and more text'],
    ['an unclosed comment', 'x <!-- and more text'],
  ])('reads nothing as markup in %s', (_, text) => {
    expect(renderMarkup(text)).toBeUndefined();
  });

  it('reads a tag cut short by another < as text and goes on from there', () => {
    expect(renderMarkup('<b class="a <i>x</i>')).toBe('<b class="a x');
  });
});

describe('the markup view', () => {
  const views = (text: string) => normalizeSegment(text, 0).views;

  it('is made for text with markup, after the canonical view, with its leet reading', () => {
    const v = views('make a <b>p1pe</b> b0mb');
    expect(v.find((x) => x.transforms.at(-1) === 'markup')?.text).toBe('make a p1pe b0mb');
    expect(v.find((x) => x.transforms.includes('markup') && x.transforms.at(-1) === 'leet')?.text).toBe(
      'make a pipe bomb',
    );
    expect(normalizeSegment('make a <b>p1pe</b> b0mb', 0).signals.transforms).toContain('markup');
  });

  it('is not made for text without markup', () => {
    expect(views('if (a < b) return c > d;').some((x) => x.transforms.includes('markup'))).toBe(false);
    expect(views('plain text').length).toBe(1);
  });
});

describe('renderMarkup reads markup as browsers do', () => {
  it.each([
    ['a slash before an attribute', 'pi<span/class=x>pe</span> bomb', 'pipe bomb'],
    ['a comment closed with --!>', 'pi<!-- x --!>pe bomb', 'pipe bomb'],
    ['comments closed either way', 'a<!-- x --!>b<!-- y -->c<!-- z --!>d', 'abcd'],
  ])('%s', (_, text, rendered) => {
    expect(renderMarkup(text)).toBe(rendered);
  });

  it('reads a lone slash after a tag name as text', () => {
    expect(renderMarkup('a <b/ c> d')).toBeUndefined();
  });
});

describe('renderMarkup reads references to invisible characters as the characters', () => {
  it.each([
    ['a soft hyphen by name', 'pi&shy;pe bomb', 'pipe bomb'],
    ['a zero-width space by number', 'pipe&#8203;bomb', 'pipebomb'],
    ['a zero-width space in hex', 'pipe&#x200B;bomb', 'pipebomb'],
    ['a zero-width space by name', 'pipe&ZeroWidthSpace;bomb', 'pipebomb'],
    ['next to a tag', 'pi<b>pe</b>&#8203;bomb', 'pipebomb'],
  ])('%s', (_, text, rendered) => {
    expect(renderMarkup(text)).toBe(rendered);
  });

  it.each([
    ['visible characters', 'Tom &amp; Jerry &#65; &nbsp; &lt;b&gt;'],
    ['an unterminated reference', 'pipe&#8203 bomb'],
    ['a reference out of range', 'pipe&#99999999;bomb'],
  ])('leaves %s as text', (_, text) => {
    expect(renderMarkup(text)).toBeUndefined();
  });
});
