package org.rap.common.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TokensTest {
  @Test
  void sameOnlyForTheSameNonEmptyToken() {
    assertTrue(Tokens.same("abc", "abc"));
    assertFalse(Tokens.same("abc", "abd"));
    assertFalse(Tokens.same("abc", "abcd"));
    assertFalse(Tokens.same(null, "abc"));
    assertFalse(Tokens.same("", ""), "an unset token matches nothing, not even nothing");
  }
}
