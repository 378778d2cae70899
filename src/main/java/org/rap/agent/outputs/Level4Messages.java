package org.rap.agent.outputs;

/** User-facing explanations written to {@code <path>.txt} for excluded level-4 outputs. */
final class Level4Messages {
  private Level4Messages() {}

  static String maxSize(String filename, String size, String limit) {
    return "\nThe file:\n\n"
        + filename
        + "\n\nwas "
        + size
        + "Mb, which is above the limit for moderately_sensitive files of\n"
        + limit
        + "Mb.\n\nAs such, it has *not* been copied to Level 4 storage. Please double check that\n"
        + filename
        + " contains only aggregate information, and is an appropriate size to\n"
        + "be able to be output checked.\n";
  }

  static String invalidFileType(String filename, String suffix) {
    return "\nThe file:\n\n"
        + filename
        + "\n\nis of type "
        + suffix
        + ". This is not a valid file type for moderately_sensitive files.\n\n"
        + "Level 4 files should be aggregate information easily viewable by output checkers.\n\n"
        + "See available list of file types here:"
        + " https://docs.opensafely.org/requesting-file-release/#allowed-file-types.\n";
  }

  static String patientId(String filename) {
    return "\nThe file:\n\n"
        + filename
        + "\n\nhas not been made available in level 4 because it has a `patient_id` column.\n\n"
        + "Patient level data is not allowed by policy in level 4.\n\n"
        + "You should change this file's privacy to `highly_sensitive` in your\n"
        + "project.yaml. Or, if is aggregrate data, you should remove the patient_id\n"
        + "column from your data.\n\n";
  }

  static String maxCsvRows(String filename, int rows, int limit) {
    return "\nThe file:\n\n"
        + filename
        + "\n\ncontained "
        + rows
        + " rows, which is above the limit for moderately_sensitive files of\n"
        + limit
        + " rows.\n\nAs such, it has *not* been copied to Level 4 storage. Please contact"
        + " tech-support for\nfurther assistance.\n";
  }

  static String unreadable(String filename, String why) {
    return "\nThe file:\n\n"
        + filename
        + "\n\ncould not be checked: "
        + why
        + ".\n\nFiles the level 4 checks cannot read are not released. As such, it has *not*\n"
        + "been copied to Level 4 storage. Please make sure "
        + filename
        + " is a CSV file\nsaved as UTF-8 text, with every quoted field closed.\n";
  }

  static String secret(String filename) {
    return "\nThe file:\n\n"
        + filename
        + "\n\ncontains the value of a secret setting of this backend (such as the database\n"
        + "connection details).\n\nAs such, it has *not* been copied to Level 4 storage. Please"
        + " do not write the\njob's environment to its outputs.\n";
  }
}
